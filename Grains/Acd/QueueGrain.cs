using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Calls;
using CallCenter.History;
using CallCenter.Hosting;
using CallCenter.Stats;
using CallCenter.Time;
using Microsoft.Extensions.Logging;

namespace CallCenter.Acd;

[GenerateSerializer, Alias("acd.queue-record")]
public sealed class QueueRecord
{
    [Id(0)] public QueueSettings? Settings { get; set; }
    /// <summary>Logged-in members, so a reactivated queue can rebuild its index of ready agents.</summary>
    [Id(1)] public Dictionary<string, AgentMembership> Members { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A thin shell around <see cref="QueueCore"/>: it feeds events in, sends the effects out
/// (one-way, never awaited) and keeps two timers — the core's next check, and a once-a-second
/// push of the queue's figures to the center's statistics.
/// </summary>
[CollectionAgeLimit(Days = 7)]
public sealed class QueueGrain(
    [PersistentState("queue", CallCenterSiloExtensions.StorageName)] IPersistentState<QueueRecord> record,
    CallCenterClock clock,
    IHistorySink history,
    ILogger<QueueGrain> logger) : Grain, IQueueGrain
{
    private static readonly TimeSpan StatisticsInterval = TimeSpan.FromMilliseconds(250);

    private QueueCore? _core;
    private IGrainTimer? _checkTimer;
    private DateTimeOffset? _armedFor;
    private bool _statisticsChanged = true;
    // Numbers this activation's history events; starting at the wall clock's ticks keeps them
    // unique across activations (a queue never writes ten million events a second).
    private long _eventSequence = DateTime.UtcNow.Ticks;

    private string QueueId => GrainKeys.IdOf(this.GetPrimaryKeyString(), GrainKeys.QueuePrefix);
    private DateTimeOffset Now => clock.Now;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(PushStatistics, new GrainTimerCreationOptions(StatisticsInterval, StatisticsInterval) { KeepAlive = false });
        if (record.State.Settings is { } settings)
        {
            _core = CreateCore(settings);
            // The queue was deactivated or moved: ask members who is ready right now.
            var availabilities = await Task.WhenAll(record.State.Members.Values.Select(m =>
                GrainFactory.GetAgent(m.AgentId).GetAvailability(m.Level)));
            foreach (var availability in availabilities)
            {
                if (availability is not null)
                {
                    _core.AgentReady(availability, Now);
                }
            }
            Flush();
        }
    }

    public async Task Configure(QueueSettings settings)
    {
        var errors = QueueSettingsValidator.Validate(settings, QueueId);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid settings for queue '{QueueId}': {string.Join("; ", errors)}", nameof(settings));
        }
        record.State.Settings = settings;
        await record.WriteStateAsync();
        if (_core is null)
        {
            _core = CreateCore(settings);
        }
        else
        {
            _core.Configure(settings, Now);
        }
        logger.LogInformation("Queue {QueueId} configured: {Strategy}, SL {Threshold}", QueueId, settings.Strategy, settings.ServiceLevelThreshold);
        Flush();
    }

    public Task<QueueSettings?> GetSettings() => Task.FromResult(record.State.Settings);

    public Task<EnqueueResult> Enqueue(QueuedCall call)
    {
        if (_core is null)
        {
            return Task.FromResult(new EnqueueResult(EnqueueStatus.Rejected, Reason: $"queue '{QueueId}' is not configured"));
        }
        var known = _core.Contains(call.CallId);
        var started = Stopwatch.GetTimestamp();
        var result = _core.Enqueue(call, Now);
        CallCenterMeter.RoutingDecisionTaken(QueueId, record.State.Settings?.Region, "enqueue", started);
        if (!known)
        {
            Record(call.CallId, result.Status == EnqueueStatus.Overflowed ? QueueEventKind.Overflowed : QueueEventKind.Entered,
                detail: result.Status == EnqueueStatus.Overflowed ? $"to {result.OverflowTarget}: {result.Reason}" : null);
        }
        Flush();
        return Task.FromResult(result);
    }

    public Task Withdraw(string callId, CallOutcome reason)
    {
        if (_core?.Contains(callId) == true)
        {
            Record(callId, reason == CallOutcome.Abandoned ? QueueEventKind.Abandoned : QueueEventKind.Withdrawn, detail: reason.ToString());
        }
        return Apply(core => core.Withdraw(callId, reason, Now));
    }

    public Task CallAnswered(string callId, string agentId, DateTimeOffset at)
    {
        if (_core?.Contains(callId) == true)
        {
            Record(callId, QueueEventKind.Answered, agentId, at: at);
        }
        return Apply(core => core.Answered(callId, agentId, at));
    }

    public Task<Offer?> ClaimBest(AgentAvailability agent)
    {
        var started = Stopwatch.GetTimestamp();
        var offer = _core?.ClaimBest(agent, Now);
        CallCenterMeter.RoutingDecisionTaken(QueueId, record.State.Settings?.Region, "agent_ready", started);
        Flush();
        return Task.FromResult(offer);
    }

    public Task<OfferCandidate?> Peek(AgentAvailability agent) => Task.FromResult(_core?.Peek(agent, Now));

    public Task<Offer?> Claim(AgentAvailability agent, string callId)
    {
        var offer = _core?.Claim(agent, callId, Now);
        Flush();
        return Task.FromResult(offer);
    }

    public Task AgentReady(AgentAvailability agent) => Apply(core => core.AgentReady(agent, Now));

    public Task AgentUnavailable(string agentId, long epoch) => Apply(core => core.AgentUnavailable(agentId, epoch));

    public Task ReservationResult(Offer offer, bool accepted, long agentEpoch) =>
        Apply(core => core.ReservationResult(offer, accepted, agentEpoch, Now));

    public Task OfferFailed(string callId, string agentId, long offerId, OfferFailure reason, long agentEpoch)
    {
        if (_core?.Contains(callId) == true)
        {
            Record(callId, QueueEventKind.OfferFailed, agentId, reason.ToString());
        }
        return Apply(core => core.OfferFailed(callId, agentId, offerId, agentEpoch, Now));
    }

    public Task CallHandled(HandledCall handled) => Apply(core => core.Handled(handled, Now));

    public async Task Join(AgentMembership member)
    {
        if (!record.State.Members.TryGetValue(member.AgentId, out var known) || known != member)
        {
            record.State.Members[member.AgentId] = member;
            await record.WriteStateAsync();
        }
        await Apply(core => core.Join(member, Now));
    }

    public async Task Leave(string agentId)
    {
        if (record.State.Members.Remove(agentId))
        {
            await record.WriteStateAsync();
        }
        await Apply(core => core.Leave(agentId));
    }

    public Task<QueueStatistics> GetStatistics() => Task.FromResult(_core?.Statistics(Now) ?? new QueueStatistics
    {
        QueueId = QueueId,
        At = Now,
        Interval = new PeriodCounters(),
        Today = new PeriodCounters(),
    });

    public Task<QueuePosition?> GetPosition(string callId) => Task.FromResult(_core?.PositionOf(callId, Now));

    public Task<IReadOnlyList<WaitingCall>> GetWaitingCalls(int limit)
    {
        if (limit is < 1 or > MaxWaitingCallsListed)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"the limit must be 1..{MaxWaitingCallsListed}");
        }
        return Task.FromResult(_core?.WaitingCalls(QueueId, Now, limit) ?? (IReadOnlyList<WaitingCall>)[]);
    }

    public const int MaxWaitingCallsListed = 1000;

    private Task Apply(Action<QueueCore> change)
    {
        if (_core is not null)
        {
            change(_core);
            Flush();
        }
        return Task.CompletedTask;
    }

    /// <summary>Sends the core's effects (all one-way) and re-arms the check timer if an earlier check is due.</summary>
    private void Flush()
    {
        _statisticsChanged = true;
        foreach (var effect in _core!.DrainEffects())
        {
            switch (effect)
            {
                case QueueEffect.CallOffered e:
                    Record(e.CallId, QueueEventKind.Offered, e.AgentId, at: e.At);
                    break;
                case QueueEffect.OverflowCall e:
                    Record(e.CallId, QueueEventKind.Overflowed, detail: $"to {e.TargetQueue}: {e.Reason}");
                    break;
                case QueueEffect.EndCall e:
                    Record(e.CallId, QueueEventKind.TimedOut, detail: $"{e.Outcome}: {e.Reason}");
                    break;
            }
            var sent = effect switch
            {
                QueueEffect.ReserveAgent e => GrainFactory.GetAgent(e.Offer.AgentId).Reserve(e.Offer),
                QueueEffect.CancelOffer e => GrainFactory.GetAgent(e.AgentId).CancelOffer(e.CallId, e.OfferId),
                QueueEffect.CallOffered e => GrainFactory.GetCall(e.CallId).Offered(QueueId, e.AgentId, e.At),
                QueueEffect.OverflowCall e => GrainFactory.GetCall(e.CallId).Overflow(QueueId, e.TargetQueue, e.Reason),
                QueueEffect.EndCall e => GrainFactory.GetCall(e.CallId).EndInQueue(QueueId, e.Outcome, e.Reason),
                _ => throw new InvalidOperationException($"Unknown queue effect {effect}"),
            };
            sent.Ignore();
        }
        if (_core.NextDue is { } due && (_armedFor is null || due < _armedFor))
        {
            _armedFor = due;
            var wait = clock.ToWall(due - Now);
            if (_checkTimer is null)
            {
                _checkTimer = this.RegisterGrainTimer(OnChecks, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan) { KeepAlive = true });
            }
            else
            {
                _checkTimer.Change(wait, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Record(string callId, QueueEventKind kind, string? agentId = null, string? detail = null, DateTimeOffset? at = null)
    {
        CallCenterMeter.QueueEvent(QueueId, record.State.Settings?.Region, kind);
        history.WriteAsync(new QueueEvent(QueueId, callId, ++_eventSequence, kind, at ?? Now, agentId, detail)).AsTask().Ignore();
    }

    private Task OnChecks(CancellationToken cancellationToken)
    {
        _armedFor = null;
        _core?.Tick(Now);
        if (_core is not null)
        {
            Flush();
        }
        return Task.CompletedTask;
    }

    private Task PushStatistics(CancellationToken cancellationToken)
    {
        if (_core is null || !_statisticsChanged)
        {
            return Task.CompletedTask;
        }
        _statisticsChanged = false;
        return GrainFactory.GetCenterStatistics().ReportQueue(_core.Statistics(Now));
    }

    /// <summary>A core for these settings with the persisted members joined (their readiness is learnt later).</summary>
    private QueueCore CreateCore(QueueSettings settings)
    {
        var core = new QueueCore(settings, StringComparer.Ordinal.GetHashCode(settings.Id));
        var now = Now;
        foreach (var member in record.State.Members.Values)
        {
            core.Join(member, now);
        }
        return core;
    }
}

public static class QueueSettingsValidator
{
    public static IReadOnlyList<string> Validate(QueueSettings settings, string expectedId)
    {
        var errors = new List<string>();
        if (settings.Id != expectedId) errors.Add($"id: '{settings.Id}' does not match the queue '{expectedId}'");
        if (!Enum.IsDefined(settings.Strategy)) errors.Add($"strategy: {(int)settings.Strategy} is not a strategy");
        if (settings.ServiceLevelThreshold <= TimeSpan.Zero) errors.Add("serviceLevelThreshold: must be positive");
        if (settings.RingTimeout <= TimeSpan.Zero) errors.Add("ringTimeout: must be positive");
        if (settings.WrapUp < TimeSpan.Zero) errors.Add("wrapUp: must not be negative");
        if (settings.MaxWait is { } maxWait && maxWait <= TimeSpan.Zero) errors.Add("maxWait: must be positive when set");
        if (settings.MaxWait is not null && settings.MaxWaitAction == MaxWaitAction.Overflow && string.IsNullOrWhiteSpace(settings.MaxWaitTarget))
            errors.Add("maxWaitTarget: required when maxWaitAction is overflow");
        if (settings.MaxWaitTarget == settings.Id) errors.Add("maxWaitTarget: a queue cannot overflow to itself");
        for (var i = 0; i < settings.Overflow.Length; i++)
        {
            var rule = settings.Overflow[i];
            if (string.IsNullOrWhiteSpace(rule.TargetQueue)) errors.Add($"overflow[{i}].to: must name a queue");
            else if (rule.TargetQueue == settings.Id) errors.Add($"overflow[{i}].to: a queue cannot overflow to itself");
            if (rule.Condition == OverflowCondition.WaitExceeded && rule.After <= TimeSpan.Zero)
                errors.Add($"overflow[{i}].afterSeconds: must be positive");
        }
        for (var i = 0; i < settings.Relaxation.Length; i++)
        {
            var step = settings.Relaxation[i];
            if (step.After < TimeSpan.Zero) errors.Add($"relaxation[{i}].afterSeconds: must not be negative");
            if (step.MaxMembershipLevel is < 1) errors.Add($"relaxation[{i}].maxLevel: must be 1 or more");
            if (step.ProficiencyReduction < 0) errors.Add($"relaxation[{i}].proficiencyReduction: must not be negative");
        }
        if (settings.BaseMembershipLevel < 1) errors.Add("baseLevel: must be 1 or more");
        if (settings.RingAllLimit < 1) errors.Add("ringAllLimit: must be 1 or more");
        return errors;
    }
}
