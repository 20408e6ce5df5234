using CallCenter.Time;
using Microsoft.Extensions.Logging;

namespace CallCenter.Calls;

/// <summary>
/// One click-to-dial call (CTI-4) from the agent's request to its one record (invariant 2). The agent grain opens
/// it; the gateway that rings the agent's phone and then the customer reports the answer and the end. The record is
/// written before anyone is told the call ended, so the agent is released only once the record exists.
/// </summary>
// Live only: a silo that dies takes the call's legs' control with it (the gateway's legs end on their own);
// the progress guard below releases the agent when nothing is heard from the gateway.
public sealed class OutboundCallGrain(
    CallCenterClock clock,
    ICallDetailRecordSink records,
    ILogger<OutboundCallGrain> logger) : Grain, IOutboundCallGrain
{
    /// <summary>
    /// An outbound call that is still dialling after this long is ended as failed: the gateway that rings the legs
    /// is gone. Longer than any ring timeout of the agent's phone plus the customer's.
    /// </summary>
    public static readonly TimeSpan ProgressGuard = TimeSpan.FromMinutes(3);

    private OutboundCallState _state = OutboundCallState.New;
    private OutboundDial? _dial;
    private DateTimeOffset? _answeredAt;
    private string? _recordingPath;
    private ICallObserver? _observer;
    private CallDetailRecord? _record;
    private IGrainTimer? _guard;

    private string CallId => GrainKeys.IdOf(this.GetPrimaryKeyString(), GrainKeys.OutboundCallPrefix);

    public Task Open(OutboundDial dial)
    {
        ArgumentNullException.ThrowIfNull(dial);
        if (dial.CallId != CallId)
        {
            throw new ArgumentException($"The dial is for call '{dial.CallId}', not '{CallId}'.", nameof(dial));
        }
        if (OutboundNumber.Check(dial.Number) is { } error)
        {
            throw new ArgumentException($"Cannot dial: {error}.", nameof(dial));
        }
        if (_state != OutboundCallState.New)
        {
            throw new InvalidOperationException($"Outbound call '{CallId}' was opened already (it is {_state}).");
        }
        _dial = dial;
        _state = OutboundCallState.Dialing;
        _guard = this.RegisterGrainTimer(OnGuard, new GrainTimerCreationOptions(clock.ToWall(ProgressGuard), Timeout.InfiniteTimeSpan) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task Discard()
    {
        if (_state == OutboundCallState.Dialing && _answeredAt is null)
        {
            _state = OutboundCallState.New;
            _dial = null;
            _guard?.Dispose();
            _guard = null;
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    public Task Observe(ICallObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_state is OutboundCallState.Dialing or OutboundCallState.Connected)
        {
            _observer = observer;
        }
        return Task.CompletedTask;
    }

    public Task<bool> CustomerAnswered()
    {
        if (_state != OutboundCallState.Dialing)
        {
            return Task.FromResult(false);
        }
        _state = OutboundCallState.Connected;
        _answeredAt = clock.Now;
        _guard?.Dispose();
        _guard = null;
        GrainFactory.GetAgent(_dial!.AgentId).OutboundConnected(CallId).Ignore();
        logger.LogInformation("Outbound call {CallId}: {Number} answered agent {AgentId}'s call", CallId, _dial.Number, _dial.AgentId);
        return Task.FromResult(true);
    }

    public Task AttachRecording(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (_state is OutboundCallState.Dialing or OutboundCallState.Connected)
        {
            _recordingPath = path;
        }
        return Task.CompletedTask;
    }

    public async Task End(CallParty endedBy, CallOutcome outcomeIfUnanswered, string? detail)
    {
        if (outcomeIfUnanswered is not (CallOutcome.NoAnswer or CallOutcome.Busy or CallOutcome.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(outcomeIfUnanswered), outcomeIfUnanswered,
                "An unanswered outbound call ends as NoAnswer, Busy or Failed");
        }
        if (_state is not (OutboundCallState.Dialing or OutboundCallState.Connected))
        {
            return;
        }
        var dial = _dial!;
        var now = clock.Now;
        var answered = _answeredAt;
        _state = OutboundCallState.Ended;
        _guard?.Dispose();
        _guard = null;
        var ring = (answered ?? now) - dial.PlacedAt;
        _record = new CallDetailRecord
        {
            CallId = CallId,
            Direction = CallDirection.Outbound,
            CallerNumber = dial.AgentId,
            CalledNumber = dial.Number,
            Service = "outbound",
            AgentId = dial.AgentId,
            HandledBy = [dial.AgentId],
            ArrivedAt = dial.PlacedAt,
            FirstOfferedAt = dial.PlacedAt,
            AnsweredAt = answered,
            EndedAt = now,
            Wait = ring > TimeSpan.Zero ? ring : TimeSpan.Zero,
            Talk = answered is { } at && now > at ? now - at : TimeSpan.Zero,
            Outcome = answered is null ? outcomeIfUnanswered : CallOutcome.Completed,
            EndedBy = endedBy,
            Detail = detail,
            RecordingPath = _recordingPath,
        };
        await records.WriteAsync(_record);
        logger.LogInformation("Outbound call {CallId} from agent {AgentId} to {Number} ended: {Outcome} ({Detail})",
            CallId, dial.AgentId, dial.Number, _record.Outcome, detail);
        if (endedBy != CallParty.Agent)
        {
            // The agent who hung up releases itself (it awaits this call); anyone else releases it now.
            GrainFactory.GetAgent(dial.AgentId).CallEnded(CallId, now).Ignore();
        }
        _observer?.CallEnded(_record).Ignore();
        _observer = null;
        DeactivateOnIdle();
    }

    public Task<OutboundCallSnapshot> GetSnapshot() =>
        Task.FromResult(new OutboundCallSnapshot(CallId, _state, _record));

    private Task OnGuard(CancellationToken cancellationToken) =>
        _state == OutboundCallState.Dialing
            ? End(CallParty.System, CallOutcome.Failed, "no progress from the gateway")
            : Task.CompletedTask;
}
