using CallCenter.Time;
using System.Collections.Immutable;
using CallCenter.Acd;
using Microsoft.Extensions.Logging;

namespace CallCenter.Calls;

/// <summary>
/// One call from arrival to its single terminal outcome and single record (invariant 2). The call
/// decides who answered it: <see cref="Connect"/> is checked against the call's state at that
/// moment, so a call that was abandoned, overflowed or answered elsewhere cannot be answered.
/// Its messages to queues and agents are one-way except the enqueue, and queues await nothing.
/// </summary>
// A live call may sit silently in a queue or in conversation for a long time: it must not be
// collected then (its state is its outcome). It deactivates itself once its record is written.
[CollectionAgeLimit(Days = 1)]
public sealed class CallGrain(
    CallCenterClock clock,
    RoutingTableCache routing,
    ICallDetailRecordSink records,
    ILogger<CallGrain> logger) : Grain, ICallGrain
{
    /// <summary>A call that overflows more often than this is ended: the overflow rules form a loop.</summary>
    public const int MaxQueueHops = 8;

    private CallState _state = CallState.New;
    private CallArrival? _arrival;
    private ICallObserver? _observer;
    private CallStartResult? _startResult;
    private string? _region;
    private string? _queueId;
    private ImmutableArray<string>.Builder _path = ImmutableArray.CreateBuilder<string>();
    private string? _agentId;
    private DateTimeOffset _arrivedAt;
    private DateTimeOffset? _firstOfferedAt;
    private DateTimeOffset? _answeredAt;
    private DateTimeOffset? _holdStartedAt;
    private TimeSpan _hold;
    private int _offers;
    private long _sequence;
    private CallDetailRecord? _record;

    private string CallId => GrainKeys.IdOf(this.GetPrimaryKeyString(), GrainKeys.CallPrefix);
    private DateTimeOffset Now => clock.Now;

    public async Task<CallStartResult> Start(CallArrival arrival, ICallObserver? observer)
    {
        if (_startResult is not null)
        {
            // A retried start of the same call: answer as before, never route it twice.
            return _startResult;
        }
        var error = Validate(arrival);
        if (error is not null)
        {
            throw new ArgumentException($"Invalid call arrival: {error}", nameof(arrival));
        }
        _arrival = arrival;
        _observer = observer;
        _arrivedAt = Now;
        _sequence = _arrivedAt.UtcTicks;
        try
        {
            var table = await routing.GetAsync();
            _region = table.RegionOf(arrival.CallerNumber, arrival.Account);
            var queue = table.QueueFor(arrival.Service, _region);
            await EnterQueue(queue, "arrival");
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Call {CallId} failed while routing", CallId);
            if (_state != CallState.Ended)
            {
                End(CallOutcome.Failed, CallParty.System, ex.Message);
            }
        }
        _startResult = _state == CallState.Ended && _record!.Outcome is CallOutcome.Rejected or CallOutcome.Failed
            ? new CallStartResult(false, _queueId, _region, _record.Detail)
            : new CallStartResult(true, _queueId, _region, null);
        return _startResult;
    }

    public Task<bool> Connect(Offer offer, DateTimeOffset answeredAt)
    {
        if (_state is not (CallState.Queued or CallState.Offered) || offer.QueueId != _queueId)
        {
            return Task.FromResult(false);
        }
        Move(CallState.Connected);
        _agentId = offer.AgentId;
        _answeredAt = answeredAt;
        _firstOfferedAt ??= offer.OfferedAt;
        GrainFactory.GetQueue(offer.QueueId).CallAnswered(CallId, offer.AgentId, answeredAt).Ignore();
        return Task.FromResult(true);
    }

    public Task Hangup(CallParty party)
    {
        switch (_state)
        {
            case CallState.New or CallState.Ended:
                // Never started here, or already over (both parties hung up): nothing to do.
                return Task.CompletedTask;
            case CallState.Queued or CallState.Offered:
                GrainFactory.GetQueue(_queueId!).Withdraw(CallId, CallOutcome.Abandoned).Ignore();
                End(party == CallParty.System ? CallOutcome.Failed : CallOutcome.Abandoned, party, null);
                return Task.CompletedTask;
            default:
                // One timestamp for both sides, so the record never ends after the agent's next call starts.
                var now = Now;
                if (party != CallParty.Agent && _agentId is not null)
                {
                    GrainFactory.GetAgent(_agentId).CallEnded(CallId, now).Ignore();
                }
                End(CallOutcome.Completed, party, null, now);
                return Task.CompletedTask;
        }
    }

    public Task SetHold(bool onHold)
    {
        if (onHold)
        {
            Move(CallState.OnHold);
            _holdStartedAt = Now;
        }
        else
        {
            Move(CallState.Connected);
            _hold += Now - (_holdStartedAt ?? Now);
            _holdStartedAt = null;
        }
        return Task.CompletedTask;
    }

    public Task RequestCallback() => LeaveQueue(CallOutcome.Callback);

    public Task RequestVoicemail() => LeaveQueue(CallOutcome.Voicemail);

    public Task Offered(string queueId, string agentId, DateTimeOffset at)
    {
        if (_queueId == queueId && _state is CallState.Queued or CallState.Offered)
        {
            _state = CallState.Offered;
            _firstOfferedAt ??= at;
            _offers++;
        }
        return Task.CompletedTask;
    }

    public async Task Overflow(string fromQueue, string toQueue, string reason)
    {
        if (_queueId != fromQueue || _state is not (CallState.Queued or CallState.Offered))
        {
            return;
        }
        await EnterQueue(toQueue, reason);
    }

    public Task EndInQueue(string queueId, CallOutcome outcome, string reason)
    {
        if (_queueId == queueId && _state is CallState.Queued or CallState.Offered)
        {
            End(outcome, CallParty.System, reason);
        }
        return Task.CompletedTask;
    }

    public Task<CallSnapshot> GetSnapshot() =>
        Task.FromResult(new CallSnapshot(CallId, _state, _queueId, _agentId, _record?.Outcome, _record));

    private async Task EnterQueue(string queueId, string reason)
    {
        var hops = 0;
        var target = queueId;
        while (true)
        {
            if (_path.Count >= MaxQueueHops)
            {
                End(CallOutcome.Rejected, CallParty.System, $"overflowed {MaxQueueHops} times ({string.Join(" > ", _path)}): the overflow rules form a loop");
                return;
            }
            _path.Add(target);
            _queueId = target;
            Move(CallState.Queued);
            var call = new QueuedCall(CallId, _arrival!.Priority, _arrivedAt, _arrival.RequiredSkills, _arrival.CallerNumber, _region, _sequence);
            var result = await GrainFactory.GetQueue(target).Enqueue(call);
            switch (result.Status)
            {
                case EnqueueStatus.Overflowed:
                    target = result.OverflowTarget!;
                    hops++;
                    continue;
                case EnqueueStatus.Rejected:
                    End(CallOutcome.Rejected, CallParty.System, result.Reason);
                    return;
                default:
                    if (logger.IsEnabled(LogLevel.Debug))
                    {
                        logger.LogDebug("Call {CallId} entered queue {QueueId} ({Reason}, {Hops} overflows)", CallId, target, reason, hops);
                    }
                    return;
            }
        }
    }

    private Task LeaveQueue(CallOutcome outcome)
    {
        if (_state is not (CallState.Queued or CallState.Offered))
        {
            throw new InvalidCallTransitionException(CallId, _state, CallState.Ended, $"only a waiting call can ask for {outcome}");
        }
        GrainFactory.GetQueue(_queueId!).Withdraw(CallId, outcome).Ignore();
        End(outcome, CallParty.Caller, null);
        return Task.CompletedTask;
    }

    private void Move(CallState next)
    {
        CallLifecycle.Check(CallId, _state, next);
        _state = next;
    }

    private void End(CallOutcome outcome, CallParty endedBy, string? detail, DateTimeOffset? at = null)
    {
        if (!CallLifecycle.CanEndWith(_state, outcome))
        {
            throw new InvalidCallTransitionException(CallId, _state, CallState.Ended, $"a {_state} call cannot end as {outcome}");
        }
        var now = at ?? Now;
        if (_holdStartedAt is { } heldSince)
        {
            _hold += now - heldSince;
            _holdStartedAt = null;
        }
        Move(CallState.Ended);
        var wait = (_answeredAt ?? now) - _arrivedAt;
        _record = new CallDetailRecord
        {
            CallId = CallId,
            CallerNumber = _arrival?.CallerNumber ?? "",
            Service = _arrival?.Service ?? "",
            Region = _region,
            QueuePath = _path.ToImmutable(),
            AgentId = _agentId,
            ArrivedAt = _arrivedAt,
            FirstOfferedAt = _firstOfferedAt,
            AnsweredAt = _answeredAt,
            EndedAt = now,
            Wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait,
            Talk = _answeredAt is { } answered ? now - answered - _hold : TimeSpan.Zero,
            Hold = _hold,
            Outcome = outcome,
            EndedBy = endedBy,
            Priority = _arrival?.Priority ?? 0,
            Offers = _offers,
            AttachedData = _arrival?.AttachedData ?? ImmutableDictionary<string, string>.Empty,
            Detail = detail,
        };
        records.WriteAsync(_record).AsTask().Ignore();
        _observer?.CallEnded(_record).Ignore();
        // Late messages about an ended call (a hang-up race, an offer notice) find a fresh
        // activation in state New, where every operation is a no-op: no second record.
        DeactivateOnIdle();
    }

    private string? Validate(CallArrival arrival)
    {
        if (arrival.CallId != CallId) return $"callId '{arrival.CallId}' does not match the call grain '{CallId}'";
        if (string.IsNullOrWhiteSpace(arrival.CallerNumber)) return "callerNumber: must not be empty";
        if (string.IsNullOrWhiteSpace(arrival.Service)) return "service: must not be empty";
        foreach (var (skill, level) in arrival.RequiredSkills)
        {
            if (level is < 1 or > 5) return $"requiredSkills.{skill}: proficiency {level} is outside 1..5";
        }
        return null;
    }
}
