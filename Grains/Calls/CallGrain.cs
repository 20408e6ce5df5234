using CallCenter.Time;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallCenter.Calls;

/// <summary>
/// What a live call needs to resume on another silo after a crash: written when it enters a
/// queue and when it is answered, deleted once its record is durable.
/// </summary>
[GenerateSerializer, Alias("calls.stored")]
public sealed class StoredCall
{
    [Id(0)] public CallArrival? Arrival { get; set; }
    [Id(1)] public CallState State { get; set; }
    [Id(2)] public string? Region { get; set; }
    [Id(3)] public string? QueueId { get; set; }
    [Id(4)] public List<string> Path { get; set; } = [];
    [Id(5)] public string? AgentId { get; set; }
    [Id(6)] public DateTimeOffset ArrivedAt { get; set; }
    [Id(7)] public DateTimeOffset? FirstOfferedAt { get; set; }
    [Id(8)] public DateTimeOffset? AnsweredAt { get; set; }
    [Id(9)] public TimeSpan Hold { get; set; }
    [Id(10)] public int Offers { get; set; }
    [Id(11)] public long Sequence { get; set; }
    /// <summary>When the conversation ended, for a call whose caller is in the post-call survey.</summary>
    [Id(12)] public DateTimeOffset? TalkEndedAt { get; set; }
    [Id(13)] public CallParty SurveyEndedBy { get; set; }
    [Id(14)] public string? RecordingPath { get; set; }
    [Id(15)] public List<string> HandledBy { get; set; } = [];
    [Id(16)] public TimeSpan ClosedTalk { get; set; }
    /// <summary>When the agent now on the call answered (a transfer opens a new segment).</summary>
    [Id(17)] public DateTimeOffset? SegmentStart { get; set; }
    /// <summary>Agents who joined the conversation beside <see cref="AgentId"/> (three-way conference).</summary>
    [Id(18)] public List<string> ConferenceAgents { get; set; } = [];
}

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
    DurableState durable,
    CallCenterClock clock,
    RoutingTableCache routing,
    ICallDetailRecordSink records,
    ICallRecordLookup recordLookup,
    Customers.CallerRecognition callers,
    Tickets.ICallbackTicketIntake callbackTickets,
    CallAdmission admission,
    StorageGate storageGate,
    ILogger<CallGrain> logger) : Grain, ICallGrain, IIncomingGrainCallFilter
{
    /// <summary>Tries to enqueue before leaving a call to its keep-alives (a queue whose silo just died is re-activating).</summary>
    private static readonly TimeSpan[] EnqueueRetryDelays = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    // Read by the call itself, not at activation: a call must start while the database is away.
    private IPersistentState<StoredCall> stored = null!;
    private IGrainTimer? _clearRetry;
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
    private DateTimeOffset _queueCheckedAt;
    private DateTimeOffset? _talkEndedAt;
    private CallParty _conversationEndedBy;
    private IGrainTimer? _surveyTimeout;
    private string? _recordingPath;
    private bool _stateKnown = true;
    /// <summary>Activated, stored state not read yet (it is read before the first message, see <see cref="Invoke"/>).</summary>
    private bool _resumePending;
    /// <summary>Counted among the silo's live calls by <see cref="CallAdmission"/> until it ends.</summary>
    private bool _countedLive;
    private CallHandling _handling = new();
    /// <summary>The ring of a blind transfer to an agent (CTI-2); the call is Offered and in no queue meanwhile.</summary>
    private Offer? _transferOffer;
    /// <summary>The gateway session holding the call's audio, which mixes supervisors in (WB-2); live only, like monitoring.</summary>
    private ICallMediaHost? _mediaHost;
    private CallMonitoring _monitoring = CallMonitoring.None;
    /// <summary>Agents in the conversation beside <see cref="_agentId"/> (three-way conference, CTI-2).</summary>
    private readonly List<string> _conferenceAgents = [];
    /// <summary>The ring of an agent being added to the conversation.</summary>
    private Offer? _conferenceOffer;
    /// <summary>An attended transfer's consultation (CTI-2); live only, like the ring of a conference.</summary>
    private Consultation _consult = Consultation.None;

    /// <summary>A survey whose caller neither answers nor hangs up (the gateway vanished) ends without a score after this.</summary>
    public static readonly TimeSpan SurveyTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How often a keep-alive re-asserts a waiting call to its queue (a queue whose silo died lost it).</summary>
    private static readonly TimeSpan QueueCheckInterval = TimeSpan.FromSeconds(5);

    private string CallId => GrainKeys.IdOf(this.GetPrimaryKeyString(), GrainKeys.CallPrefix);
    private DateTimeOffset Now => clock.Now;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        stored = new LazyState<StoredCall>(
            durable.Enabled ? ServiceProvider.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(CallCenterSiloExtensions.StorageName) : null,
            "call", this.GetGrainId());
        _resumePending = durable.Enabled;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The stored state is read before the first message is handled (as if at activation), except
    /// when that message is the Start of a fresh call id: nothing can be stored for a call nobody
    /// has started yet, and a call refused at the door must not cost a database round trip.
    /// </summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (_resumePending)
        {
            _resumePending = false;
            var freshStart = context.InterfaceMethod?.Name == nameof(ICallGrain.Start)
                && context.Request.GetArgumentCount() > 0
                && context.Request.GetArgument(0) is CallArrival { FreshCallId: true };
            if (!freshStart)
            {
                await TryResumeAsync();
            }
        }
        await context.Invoke();
    }

    /// <summary>
    /// Reads the stored call and resumes it if it was live on a silo that died. False when the
    /// state could not be read (database unreachable): the call must not then claim to be new.
    /// </summary>
    private async Task<bool> TryResumeAsync()
    {
        var found = await durable.ReadAsync(stored);
        _stateKnown = found is not null;
        if (found is null)
        {
            logger.LogWarning("Call {CallId}: stored state could not be read; it will be read again on the next message", CallId);
            return false;
        }
        if (found == false || stored.State.Arrival is null || stored.State.State is CallState.New or CallState.Ended)
        {
            return true;
        }
        if (await HasRecordAsync() == true)
        {
            // It ended and its record is written; only the stored state outlived it.
            logger.LogInformation("Call {CallId} has a record already; deleting its leftover stored state", CallId);
            await durable.TryAsync(stored, clear: true);
            return true;
        }
        // This call was live on a silo that died: resume it from what was stored.
        var saved = stored.State;
        _arrival = saved.Arrival;
        _region = saved.Region;
        _queueId = saved.QueueId;
        _path.AddRange(saved.Path);
        _agentId = saved.AgentId;
        _arrivedAt = saved.ArrivedAt;
        _firstOfferedAt = saved.FirstOfferedAt;
        _answeredAt = saved.AnsweredAt;
        _hold = saved.Hold;
        _offers = saved.Offers;
        _sequence = saved.Sequence;
        _talkEndedAt = saved.TalkEndedAt;
        _conversationEndedBy = saved.SurveyEndedBy;
        _recordingPath = saved.RecordingPath;
        _conferenceAgents.AddRange(saved.ConferenceAgents);
        _handling = new CallHandling
        {
            HandledBy = [.. saved.HandledBy],
            ClosedTalk = saved.ClosedTalk,
            // Stored before transfers existed: the one segment began at the answer.
            SegmentStart = saved.SegmentStart ?? (saved.State is CallState.Connected or CallState.OnHold or CallState.Survey ? saved.AnsweredAt : null),
        };
        _startResult = new CallStartResult(true, _queueId, _region, null);
        // An offer in flight died with the old activation; the queue re-offers the call.
        _state = saved.State == CallState.Offered ? CallState.Queued : saved.State;
        if (_state == CallState.OnHold)
        {
            _holdStartedAt = Now;
        }
        if (!_countedLive)
        {
            _countedLive = true;
            admission.CallResumed();
        }
        logger.LogInformation("Call {CallId} resumed after a failure in state {State} (queue {QueueId}, agent {AgentId})", CallId, _state, _queueId, _agentId);
        if (_state == CallState.Queued)
        {
            await ReassertInQueue();
        }
        else if (_state == CallState.Survey)
        {
            StartSurveyTimeout();
        }
        return true;
    }

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
        if (admission.TryAdmit() is { } refusal)
        {
            // Call gapping: refused before it costs a queue, an agent or a database round trip. Not
            // remembered: the same call may try again later, to a fresh activation.
            logger.LogDebug("Call {CallId} refused at the door: {Reason}", CallId, refusal);
            DeactivateOnIdle();
            return new CallStartResult(false, null, null, refusal, Refused: true, RetryAfterSeconds: admission.RetryAfterSeconds);
        }
        _countedLive = true;
        if (durable.Enabled && !arrival.FreshCallId && await NewCallHasRecordAsync() == true)
        {
            // A start retried (or delivered late) after the call ended and its state was deleted:
            // the call already has its one outcome; it must not be routed a second time.
            logger.LogInformation("Call {CallId} has ended already; a repeated start is ignored", CallId);
            _startResult = new CallStartResult(true, null, null, null);
            return _startResult;
        }
        // A known caller's level can raise the priority it queues with (CUS-1: VIP); read from a silo-local copy.
        _arrival = arrival with { Priority = await callers.PriorityFor(arrival) };
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
                await End(CallOutcome.Failed, CallParty.System, ex.Message);
            }
        }
        _startResult = _state == CallState.Ended && _record!.Outcome is CallOutcome.Rejected or CallOutcome.Failed
            ? new CallStartResult(false, _queueId, _region, _record.Detail)
            : new CallStartResult(true, _queueId, _region, null);
        return _startResult;
    }

    public async Task<bool> EndInIvr(CallArrival arrival, DateTimeOffset arrivedAt, CallOutcome outcome, string? detail, ICallObserver? observer)
    {
        if (outcome is not (CallOutcome.Completed or CallOutcome.Abandoned or CallOutcome.Voicemail or CallOutcome.Callback or CallOutcome.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "A call ends in the IVR as Completed, Abandoned, Voicemail, Callback or Failed");
        }
        if (Validate(arrival) is { } error)
        {
            throw new ArgumentException($"Invalid call arrival: {error}", nameof(arrival));
        }
        if (_startResult is not null || _state != CallState.New || (durable.Enabled && await HasRecordAsync() == true))
        {
            return false;
        }
        _arrival = arrival;
        _arrivedAt = arrivedAt;
        _observer = observer;
        _startResult = new CallStartResult(true, null, null, null);
        var table = await routing.GetAsync();
        _region = table.RegionOf(arrival.CallerNumber, arrival.Account);
        // Nothing was stored for a call that never queued: the record is all there is.
        await End(outcome, outcome == CallOutcome.Abandoned ? CallParty.Caller : CallParty.System, detail ?? "ended in the IVR");
        return true;
    }

    public async Task<bool> Connect(Offer offer, DateTimeOffset answeredAt)
    {
        if (_consult.IsRinging(offer.AgentId, offer.OfferId))
        {
            // The consulted agent answered: it talks with the consulting agent, not yet with the caller.
            _consult = _consult.Answered(offer.AgentId, offer.OfferId);
            logger.LogInformation("Call {CallId}: agent {AgentId} answered the consultation of {FromAgent}", CallId, offer.AgentId, _consult.FromAgentId);
            return true;
        }
        if (_conferenceOffer is { } ring && ring.OfferId == offer.OfferId && ring.AgentId == offer.AgentId)
        {
            return await JoinConference(offer);
        }
        if (_state is not (CallState.Queued or CallState.Offered) || offer.QueueId != _queueId)
        {
            return false;
        }
        var transferred = _transferOffer is not null;
        if (transferred && (_transferOffer!.OfferId != offer.OfferId || _transferOffer.AgentId != offer.AgentId))
        {
            // Only the agent rung for the transfer can take the call now.
            return false;
        }
        Move(CallState.Connected);
        _transferOffer = null;
        _agentId = offer.AgentId;
        _answeredAt ??= answeredAt;
        _handling = _handling.Answered(offer.AgentId, answeredAt);
        _firstOfferedAt ??= offer.OfferedAt;
        // Stored before the agent hears "connected": a call resumed after a crash must not be
        // offered again while the caller is talking to this agent.
        await Store();
        if (!transferred)
        {
            // A transferred call is in no queue: the queue counted its answer the first time.
            GrainFactory.GetQueue(offer.QueueId).CallAnswered(CallId, offer.AgentId, answeredAt).Ignore();
        }
        _observer?.CallConnected(CallId, offer.AgentId).Ignore();
        return true;
    }

    public async Task<TransferResult> Transfer(string fromAgentId, TransferTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        await RequireKnownState();
        if (TransferRules.Check(_state, _agentId, fromAgentId, target) is { } illegal)
        {
            throw new InvalidOperationException($"Call '{CallId}' cannot be transferred to {target}: {illegal}.");
        }
        if (_conferenceAgents.Count > 0 || _conferenceOffer is not null)
        {
            throw new InvalidOperationException($"Call '{CallId}' cannot be transferred to {target}: it is a conference (the other agents leave first).");
        }
        if (_consult.IsActive)
        {
            if (target.Kind == TransferTargetKind.Agent && target.Id == _consult.AgentId && _consult.Stage == ConsultStage.Talking)
            {
                await CompleteConsultation(fromAgentId);
                return TransferResult.Done;
            }
            throw new InvalidOperationException($"Call '{CallId}' cannot be transferred to {target}: a consultation with agent '{_consult.AgentId}' is going on ({_consult.Stage}).");
        }
        switch (target.Kind)
        {
            case TransferTargetKind.Ivr:
                if (_mediaHost is not { } host)
                {
                    return TransferResult.Refused("the caller is on no SIP gateway, so there is no IVR to send it to");
                }
                if (await HasIvrNode(host, target.Id) is { } refusal)
                {
                    return refusal;
                }
                LeaveAgent(fromAgentId);
                Move(CallState.Ivr);
                await Store();
                host.TransferredToIvr(CallId, target.Id).Ignore();
                logger.LogInformation("Call {CallId} transferred by {FromAgent} to IVR node {Node}", CallId, fromAgentId, target.Id);
                return TransferResult.Done;
            case TransferTargetKind.Queue:
                if (await GrainFactory.GetQueue(target.Id).GetSettings() is null)
                {
                    return TransferResult.Refused($"no queue '{target.Id}'");
                }
                if (await BeginHandOver(fromAgentId) is { } handOverRefused)
                {
                    return handOverRefused;
                }
                LeaveAgent(fromAgentId);
                // Keeps its first arrival time, sequence and priority: it waits ahead of everyone who called after it.
                await EnterQueue(target.Id, $"transferred by {fromAgentId}");
                EndHandOver(fromAgentId, done: true);
                return TransferResult.Done;
            default:
                var settings = _queueId is null ? null : await GrainFactory.GetQueue(_queueId).GetSettings();
                var offer = new Offer(CallId, _queueId!, target.Id, OfferId: -Now.UtcTicks, OfferedAt: Now,
                    RingTimeout: settings?.RingTimeout ?? TimeSpan.FromSeconds(15), WrapUp: settings?.WrapUp ?? TimeSpan.Zero,
                    _arrival!.CallerNumber, _arrival.Priority, OfferedOnEntry: false, RingAll: false);
                if (await BeginHandOver(fromAgentId) is { } notHandedOver)
                {
                    return notHandedOver;
                }
                bool ringing;
                try
                {
                    ringing = await GrainFactory.GetAgent(target.Id).RingForTransfer(offer);
                }
                catch (InvalidOperationException ex)
                {
                    EndHandOver(fromAgentId, done: false);
                    return TransferResult.Refused($"agent '{target.Id}' cannot take calls ({ex.Message})");
                }
                if (!ringing)
                {
                    EndHandOver(fromAgentId, done: false);
                    return TransferResult.Refused($"agent '{target.Id}' is not ready");
                }
                LeaveAgent(fromAgentId);
                Move(CallState.Offered);
                _transferOffer = offer;
                _offers++;
                await Store();
                EndHandOver(fromAgentId, done: true);
                logger.LogInformation("Call {CallId} transferred by {FromAgent}: ringing agent {ToAgent}", CallId, fromAgentId, target.Id);
                return TransferResult.Done;
        }
    }

    public async Task<TransferResult> Consult(string fromAgentId, string agentId)
    {
        await RequireKnownState();
        if (ConsultRules.Check(_state, _agentId, _conferenceAgents.Count, _conferenceOffer is not null || _transferOffer is not null, _consult, fromAgentId, agentId) is { } illegal)
        {
            throw new InvalidOperationException($"Call '{CallId}' cannot consult agent '{agentId}': {illegal}.");
        }
        var settings = _queueId is null ? null : await GrainFactory.GetQueue(_queueId).GetSettings();
        var offer = new Offer(CallId, _queueId!, agentId, OfferId: -Now.UtcTicks, OfferedAt: Now,
            RingTimeout: settings?.RingTimeout ?? TimeSpan.FromSeconds(15), WrapUp: settings?.WrapUp ?? TimeSpan.Zero,
            _arrival!.CallerNumber, _arrival.Priority, OfferedOnEntry: false, RingAll: false);
        bool ringing;
        try
        {
            // The same ring as a transfer's: only a ready agent with no offer rings, and its answer comes back to Connect.
            ringing = await GrainFactory.GetAgent(agentId).RingForTransfer(offer);
        }
        catch (InvalidOperationException ex)
        {
            return TransferResult.Refused($"agent '{agentId}' cannot take calls ({ex.Message})");
        }
        if (!ringing)
        {
            return TransferResult.Refused($"agent '{agentId}' is not ready");
        }
        if (!ConferenceRules.CanRingFor(_state) || _agentId != fromAgentId || _consult.IsActive)
        {
            // The call ended or moved on while the agent's phone was asked to ring.
            GrainFactory.GetAgent(agentId).CancelOffer(CallId, offer.OfferId).Ignore();
            return TransferResult.Refused($"the call is {_state}");
        }
        _consult = _consult.Ring(fromAgentId, agentId, offer.OfferId);
        logger.LogInformation("Call {CallId}: agent {FromAgent} consults agent {AgentId} (ringing)", CallId, fromAgentId, agentId);
        return TransferResult.Done;
    }

    public Task<bool> EndConsult(string fromAgentId)
    {
        if (!_consult.IsActive || _consult.FromAgentId != fromAgentId)
        {
            return Task.FromResult(false);
        }
        logger.LogInformation("Call {CallId}: agent {FromAgent} ended the consultation with {AgentId}", CallId, fromAgentId, _consult.AgentId);
        StopConsultation();
        return Task.FromResult(true);
    }

    public Task<string?> GetConsultedAgent() => Task.FromResult(_consult.AgentId);

    /// <summary>Ends the consultation: a ringing phone stops ringing, a consulted agent who answered is told the call is over for it.</summary>
    private void StopConsultation()
    {
        var consult = _consult;
        _consult = consult.Ended();
        var agent = GrainFactory.GetAgent(consult.AgentId!);
        if (consult.Stage == ConsultStage.Ringing)
        {
            agent.CancelOffer(CallId, consult.OfferId).Ignore();
        }
        else
        {
            agent.CallEnded(CallId, Now).Ignore();
        }
    }

    /// <summary>
    /// The attended transfer's hand-over: the consulting agent's talk segment closes (hold with it) and the consulted
    /// agent's opens; a caller held for the consultation is taken off hold, now talking with the new agent.
    /// </summary>
    private async Task CompleteConsultation(string fromAgentId)
    {
        var now = Now;
        var to = _consult.AgentId!;
        _consult = _consult.Completed(fromAgentId);
        LeaveAgent(fromAgentId);
        if (_state == CallState.OnHold)
        {
            Move(CallState.Connected);
        }
        _agentId = to;
        _handling = _handling.Answered(to, now);
        await Store();
        logger.LogInformation("Call {CallId}: attended transfer from {FromAgent} to {ToAgent}", CallId, fromAgentId, to);
    }

    public async Task<TransferResult> AddAgent(string fromAgentId, string agentId)
    {
        await RequireKnownState();
        if (ConferenceRules.Check(_state, [.. AgentsOnCall()], _conferenceOffer is not null || _consult.IsActive, fromAgentId, agentId) is { } illegal)
        {
            throw new InvalidOperationException($"Call '{CallId}' cannot add agent '{agentId}': {illegal}.");
        }
        var settings = _queueId is null ? null : await GrainFactory.GetQueue(_queueId).GetSettings();
        var offer = new Offer(CallId, _queueId!, agentId, OfferId: -Now.UtcTicks, OfferedAt: Now,
            RingTimeout: settings?.RingTimeout ?? TimeSpan.FromSeconds(15), WrapUp: settings?.WrapUp ?? TimeSpan.Zero,
            _arrival!.CallerNumber, _arrival.Priority, OfferedOnEntry: false, RingAll: false);
        bool ringing;
        try
        {
            // The same ring as a transfer's: only a ready agent with no offer rings, and its answer comes back to Connect.
            ringing = await GrainFactory.GetAgent(agentId).RingForTransfer(offer);
        }
        catch (InvalidOperationException ex)
        {
            return TransferResult.Refused($"agent '{agentId}' cannot take calls ({ex.Message})");
        }
        if (!ringing)
        {
            return TransferResult.Refused($"agent '{agentId}' is not ready");
        }
        if (!ConferenceRules.CanRingFor(_state))
        {
            // The call ended while the agent's phone was asked to ring.
            GrainFactory.GetAgent(agentId).CancelOffer(CallId, offer.OfferId).Ignore();
            return TransferResult.Refused($"the call is {_state}");
        }
        _conferenceOffer = offer;
        logger.LogInformation("Call {CallId}: agent {FromAgent} adds agent {AgentId} (ringing)", CallId, fromAgentId, agentId);
        return TransferResult.Done;
    }

    private async Task<bool> JoinConference(Offer offer)
    {
        _conferenceOffer = null;
        if (!ConferenceRules.CanRingFor(_state))
        {
            return false;
        }
        _conferenceAgents.Add(offer.AgentId);
        _handling = _handling.Joined(offer.AgentId);
        logger.LogInformation("Call {CallId}: agent {AgentId} joined the conversation ({Agents})", CallId, offer.AgentId, string.Join(", ", AgentsOnCall()));
        await Store();
        return true;
    }

    public async Task<bool> AgentHangup(string agentId)
    {
        await RequireKnownState();
        if (_consult.Stage == ConsultStage.Talking && _consult.AgentId == agentId)
        {
            // The consulted agent hung up before the hand-over: the caller stays with the consulting agent.
            _consult = _consult.Ended();
            logger.LogInformation("Call {CallId}: consulted agent {AgentId} hung up; the caller stays with {Lead}", CallId, agentId, _agentId);
            return false;
        }
        if (_state is CallState.Connected or CallState.OnHold && _conferenceAgents.Count > 0 && AgentsOnCall().Contains(agentId))
        {
            // One agent leaves a conference: the caller stays with the others; the first of them takes the lead.
            if (agentId == _agentId)
            {
                _agentId = _conferenceAgents[0];
                _conferenceAgents.RemoveAt(0);
            }
            else
            {
                _conferenceAgents.Remove(agentId);
            }
            // A supervisor whispering to the agent who left now whispers to the lead agent (the media host follows).
            logger.LogInformation("Call {CallId}: agent {AgentId} left the conference; {Agents} stay", CallId, agentId, string.Join(", ", AgentsOnCall()));
            await Store();
            return false;
        }
        if (_state is CallState.Connected or CallState.OnHold && _agentId != agentId)
        {
            throw new InvalidOperationException($"Agent '{agentId}' is not on call '{CallId}'.");
        }
        await Hangup(CallParty.Agent);
        return true;
    }

    public async Task<bool> QueueFromIvr(string service, ImmutableDictionary<string, string> attachedData)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentNullException.ThrowIfNull(attachedData);
        await RequireKnownState();
        if (_state != CallState.Ivr)
        {
            return false;
        }
        _arrival = _arrival! with { Service = service, AttachedData = _arrival.AttachedData.SetItems(attachedData) };
        var queue = (await routing.GetAsync()).QueueFor(service, _region);
        // Keeps its first arrival time, sequence and priority, as a transfer to a queue does.
        await EnterQueue(queue, $"queued again by the IVR ({service})");
        return true;
    }

    public async Task<bool> EndFromIvr(CallOutcome outcome, string? detail)
    {
        await RequireKnownState();
        if (_state != CallState.Ivr)
        {
            return false;
        }
        if (!CallLifecycle.CanEndWith(CallState.Ivr, outcome))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "A call back in the IVR ends as Completed, Voicemail, Callback or Failed");
        }
        await End(outcome, CallParty.System, detail ?? "ended in the IVR after a transfer");
        return true;
    }

    public Task<IReadOnlyList<string>> GetAgentsOnCall() => Task.FromResult<IReadOnlyList<string>>([.. AgentsOnCall()]);

    public async Task TransferNotAnswered(string agentId, long offerId, string reason)
    {
        if (_consult.IsRinging(agentId, offerId))
        {
            _consult = _consult.Ended();
            logger.LogInformation("Call {CallId}: consulted agent {AgentId} did not answer ({Reason})", CallId, agentId, reason);
            return;
        }
        if (_conferenceOffer is { } ring && ring.AgentId == agentId && ring.OfferId == offerId)
        {
            // Nobody joins: the conversation goes on as it was.
            _conferenceOffer = null;
            logger.LogInformation("Call {CallId}: agent {AgentId} did not join ({Reason})", CallId, agentId, reason);
            return;
        }
        if (_transferOffer is not { } offer || offer.AgentId != agentId || offer.OfferId != offerId || _state != CallState.Offered)
        {
            return;
        }
        _transferOffer = null;
        logger.LogInformation("Call {CallId}: transfer to agent {AgentId} not answered ({Reason}); back to queue {QueueId}", CallId, agentId, reason, _queueId);
        await EnterQueue(_queueId!, $"transfer to {agentId} not answered: {reason}");
    }

    /// <summary>The agent on the call hands it on: its talk segment closes and hold ends with it.</summary>
    /// <summary>
    /// Asks the gateway holding the caller's audio to take the caller off the agent's conversation before a blind
    /// transfer rings its target (so the target's answer is never taken for a conference join). Null when it did (or
    /// the call has no gateway); otherwise why the transfer is refused, with nothing changed.
    /// </summary>
    private async Task<TransferResult?> BeginHandOver(string fromAgentId)
    {
        if (_mediaHost is not { } host)
        {
            return null;
        }
        try
        {
            return await host.BeginHandOver(CallId, fromAgentId) ? null : TransferResult.Refused("the gateway cannot hand this call on now (a conference or a consultation is going on)");
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            logger.LogWarning(ex, "Call {CallId}: the gateway did not take the caller off agent {AgentId}'s conversation", CallId, fromAgentId);
            return TransferResult.Refused($"the gateway holding the call did not answer ({ex.GetType().Name}); the call stays with its agent");
        }
    }

    private void EndHandOver(string fromAgentId, bool done) => _mediaHost?.EndHandOver(CallId, fromAgentId, done).Ignore();

    /// <summary>Null when the caller's menu has the node; otherwise why the transfer is refused (nothing changes then).</summary>
    private async Task<TransferResult?> HasIvrNode(ICallMediaHost host, string nodeId)
    {
        try
        {
            return await host.HasIvrNode(CallId, nodeId) ? null : TransferResult.Refused($"the caller's IVR menu has no node '{nodeId}'");
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            logger.LogWarning(ex, "Call {CallId}: the gateway did not say whether IVR node {Node} exists", CallId, nodeId);
            return TransferResult.Refused($"the gateway holding the call did not answer ({ex.GetType().Name}); the call stays with its agent");
        }
    }

    private void LeaveAgent(string agentId)
    {
        var now = Now;
        if (_holdStartedAt is { } heldSince)
        {
            _hold += now - heldSince;
            _holdStartedAt = null;
        }
        _handling = _handling.Left(now);
        _agentId = null;
        logger.LogDebug("Call {CallId}: agent {AgentId} left the call", CallId, agentId);
    }

    /// <summary>A transfer's target still rings: it must stop ringing when the call goes elsewhere.</summary>
    private void CancelTransferRing()
    {
        if (_transferOffer is { } offer)
        {
            _transferOffer = null;
            GrainFactory.GetAgent(offer.AgentId).CancelOffer(CallId, offer.OfferId).Ignore();
        }
    }

    public async Task Hangup(CallParty party)
    {
        await RequireKnownState();
        switch (_state)
        {
            case CallState.New or CallState.Ended:
                // Never started here, or already over (both parties hung up): nothing to do.
                return;
            case CallState.Queued or CallState.Offered:
                CancelTransferRing();
                GrainFactory.GetQueue(_queueId!).Withdraw(CallId, CallOutcome.Abandoned).Ignore();
                await End(party == CallParty.System ? CallOutcome.Failed : CallOutcome.Abandoned, party, null);
                return;
            case CallState.Ivr:
                // The caller hung up in the menu an agent sent it to: it was served already.
                await End(CallOutcome.Completed, party, "hung up in the IVR after a transfer");
                return;
            case CallState.Survey:
                // The caller left the survey without a score; the conversation's end stays as it was.
                await End(CallOutcome.Completed, _conversationEndedBy, "survey not answered");
                return;
            default:
                // An agent who hung up ends its side itself (it awaits this call); everyone else on
                // the call is told by End, with the caller's side.
                IReadOnlyList<string> release = party == CallParty.Agent ? [.. _conferenceAgents] : [.. AgentsOnCall()];
                await End(CallOutcome.Completed, party, null, release: release);
                return;
        }
    }

    public async Task<CallSnapshot> KeepAlive(ICallObserver? observer)
    {
        await RequireKnownState();
        _observer = observer ?? _observer;
        if (_state is CallState.Queued or CallState.Offered && _transferOffer is null && Now - _queueCheckedAt >= QueueCheckInterval)
        {
            await ReassertInQueue();
        }
        return await GetSnapshot();
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

    /// <summary>
    /// A message about a call that may have lived on a dead silo (keep-alive, hang-up) must not be
    /// answered "no such call" while the stored state is unreadable: that would lose the call.
    /// </summary>
    private async Task RequireKnownState()
    {
        if (_stateKnown || _state != CallState.New)
        {
            return;
        }
        if (!await TryResumeAsync())
        {
            throw new TimeoutException($"Call {CallId}: its stored state cannot be read now (database unreachable); try again");
        }
    }

    public async Task<bool> StartSurvey(CallParty endedBy)
    {
        if (_state is not (CallState.Connected or CallState.OnHold))
        {
            return false;
        }
        var now = Now;
        if (_holdStartedAt is { } heldSince)
        {
            _hold += now - heldSince;
            _holdStartedAt = null;
        }
        Move(CallState.Survey);
        _talkEndedAt = now;
        _conversationEndedBy = endedBy;
        await Store();
        foreach (var agentId in AgentsOnCall())
        {
            GrainFactory.GetAgent(agentId).CallEnded(CallId, now).Ignore();
        }
        StartSurveyTimeout();
        return true;
    }

    public async Task AttachRecording(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (_state is CallState.New or CallState.Ended || _recordingPath == path)
        {
            return;
        }
        _recordingPath = path;
        await Store();
    }

    public async Task SurveyAnswered(int? score)
    {
        if (score is < 1 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, "A survey score is 1 to 5");
        }
        if (_state != CallState.Survey)
        {
            // A late or repeated answer after the call ended: the record is written once.
            return;
        }
        await End(CallOutcome.Completed, _conversationEndedBy, score is null ? "survey not answered" : null, surveyScore: score);
    }

    private void StartSurveyTimeout() =>
        _surveyTimeout ??= this.RegisterGrainTimer(async _ =>
        {
            if (_state == CallState.Survey)
            {
                await End(CallOutcome.Completed, _conversationEndedBy, "survey timed out");
            }
        }, new GrainTimerCreationOptions(SurveyTimeout, Timeout.InfiniteTimeSpan) { KeepAlive = true });

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

    public async Task EndInQueue(string queueId, CallOutcome outcome, string reason)
    {
        if (_queueId == queueId && _state is CallState.Queued or CallState.Offered)
        {
            await End(outcome, CallParty.System, reason);
        }
    }

    public Task<ImmutableDictionary<string, string>> GetAttachedData() =>
        Task.FromResult(_arrival?.AttachedData ?? ImmutableDictionary<string, string>.Empty);

    public Task AttachMedia(ICallMediaHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (_state is not (CallState.New or CallState.Ended))
        {
            _mediaHost = host;
        }
        return Task.CompletedTask;
    }

    public async Task<CallMonitor> Monitor(string supervisorId, MonitorMode mode)
    {
        await RequireKnownState();
        var next = _monitoring.Request(_state, AgentsOnCall(), supervisorId, mode);
        if (_mediaHost is not { } host)
        {
            throw new InvalidOperationException($"Call '{CallId}' cannot be monitored: its audio is not on a SIP gateway.");
        }
        _monitoring = next;
        logger.LogInformation("Call {CallId}: supervisor {SupervisorId} monitors ({Mode})", CallId, supervisorId, mode);
        host.MonitorRequested(CallId, supervisorId, mode).Ignore();
        return _monitoring.Monitors[supervisorId];
    }

    public Task<bool> StopMonitor(string supervisorId)
    {
        if (!_monitoring.Monitors.ContainsKey(supervisorId))
        {
            return Task.FromResult(false);
        }
        _monitoring = _monitoring.Leave(supervisorId);
        _mediaHost?.MonitorStopped(CallId, supervisorId).Ignore();
        return Task.FromResult(true);
    }

    public Task<bool> MonitorJoined(string supervisorId)
    {
        if (!_monitoring.Monitors.ContainsKey(supervisorId))
        {
            // Stopped while the phone rang, or the conversation ended: the media host hangs the phone up.
            return Task.FromResult(false);
        }
        // A second answer for the same monitoring is a clear error.
        _monitoring = _monitoring.Join(supervisorId);
        return Task.FromResult(true);
    }

    public Task MonitorLeft(string supervisorId)
    {
        _monitoring = _monitoring.Leave(supervisorId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CallMonitor>> GetMonitors() =>
        Task.FromResult<IReadOnlyList<CallMonitor>>([.. _monitoring.Monitors.Values]);

    private IEnumerable<string> AgentsOnCall() => _agentId is null ? _conferenceAgents : [_agentId, .. _conferenceAgents];

    /// <summary>Monitoring lives only as long as the conversation: a transfer, the survey or the end drops every supervisor.</summary>
    private void EndMonitoring()
    {
        foreach (var supervisorId in _monitoring.Monitors.Keys)
        {
            _mediaHost?.MonitorStopped(CallId, supervisorId).Ignore();
        }
        _monitoring = CallMonitoring.None;
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
                await End(CallOutcome.Rejected, CallParty.System, $"overflowed {MaxQueueHops} times ({string.Join(" > ", _path)}): the overflow rules form a loop");
                return;
            }
            _path.Add(target);
            _queueId = target;
            Move(CallState.Queued);
            // Stored before the queue knows the call, so a crash from here on resumes it. A new
            // call's first write waits behind the work of the calls already admitted.
            Task<bool> storing;
            using (_path.Count == 1 && _state == CallState.Queued && _firstOfferedAt is null ? StorageGate.AdmissionLane() : default(StorageGate.AdmissionLaneScope?))
            {
                storing = Store();
            }
            var isStored = await storing;
            var result = await EnqueueWithRetries(target, isStored);
            _queueCheckedAt = Now;
            if (result is null)
            {
                // Stored: the next keep-alive enters the queue again.
                return;
            }
            switch (result.Status)
            {
                case EnqueueStatus.Overflowed:
                    target = result.OverflowTarget!;
                    hops++;
                    continue;
                case EnqueueStatus.Rejected:
                    await End(CallOutcome.Rejected, CallParty.System, result.Reason);
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

    private async Task LeaveQueue(CallOutcome outcome)
    {
        if (_state is not (CallState.Queued or CallState.Offered))
        {
            throw new InvalidCallTransitionException(CallId, _state, CallState.Ended, $"only a waiting call can ask for {outcome}");
        }
        CancelTransferRing();
        GrainFactory.GetQueue(_queueId!).Withdraw(CallId, outcome).Ignore();
        await End(outcome, CallParty.Caller, null);
    }

    private QueuedCall AsQueued() =>
        new(CallId, _arrival!.Priority, _arrivedAt, _arrival.RequiredSkills, _arrival.CallerNumber, _region, _sequence);

    /// <summary>
    /// Enters the call's queue again with its original arrival and sequence, so it keeps its
    /// place. The queue ignores a call it holds already; one whose silo died has lost it.
    /// </summary>
    /// <summary>
    /// Enqueues, retrying while the queue's activation is being moved. Null when every try failed
    /// and the call is stored (its keep-alives will try again); throws when it is not stored.
    /// </summary>
    private async Task<EnqueueResult?> EnqueueWithRetries(string queueId, bool isStored)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await GrainFactory.GetQueue(queueId).Enqueue(AsQueued());
            }
            catch (Exception ex) when (ex is not ArgumentException && attempt < EnqueueRetryDelays.Length)
            {
                logger.LogWarning("Call {CallId} could not enter queue {QueueId} ({Error}); retrying", CallId, queueId, ex.Message);
                await Task.Delay(EnqueueRetryDelays[attempt]);
            }
            catch (Exception ex) when (isStored && ex is not ArgumentException)
            {
                logger.LogWarning(ex, "Call {CallId} could not enter queue {QueueId}; its keep-alives will try again", CallId, queueId);
                return null;
            }
        }
    }

    private async Task ReassertInQueue()
    {
        _queueCheckedAt = Now;
        EnqueueResult result;
        try
        {
            result = await GrainFactory.GetQueue(_queueId!).Enqueue(AsQueued());
        }
        catch (Exception ex)
        {
            logger.LogWarning("Call {CallId} could not re-enter queue {QueueId} ({Error}); the next keep-alive tries again", CallId, _queueId, ex.Message);
            return;
        }
        switch (result.Status)
        {
            case EnqueueStatus.Overflowed:
                await EnterQueue(result.OverflowTarget!, "overflow on re-entry");
                break;
            case EnqueueStatus.Rejected:
                await End(CallOutcome.Rejected, CallParty.System, result.Reason);
                break;
        }
    }

    private Task<bool> Store()
    {
        if (!durable.Enabled)
        {
            return Task.FromResult(false);
        }
        var saved = stored.State;
        saved.Arrival = _arrival;
        saved.State = _state;
        saved.Region = _region;
        saved.QueueId = _queueId;
        saved.Path = [.. _path];
        saved.AgentId = _agentId;
        saved.ArrivedAt = _arrivedAt;
        saved.FirstOfferedAt = _firstOfferedAt;
        saved.AnsweredAt = _answeredAt;
        saved.Hold = _hold;
        saved.Offers = _offers;
        saved.Sequence = _sequence;
        saved.TalkEndedAt = _talkEndedAt;
        saved.SurveyEndedBy = _conversationEndedBy;
        saved.RecordingPath = _recordingPath;
        saved.HandledBy = [.. _handling.HandledBy];
        saved.ClosedTalk = _handling.ClosedTalk;
        saved.SegmentStart = _handling.SegmentStart;
        saved.ConferenceAgents = [.. _conferenceAgents];
        return durable.TryAsync(stored);
    }

    private void Move(CallState next)
    {
        CallLifecycle.Check(CallId, _state, next);
        _state = next;
        if (!CallMonitoring.CanBeMonitored(next) && !_monitoring.IsEmpty)
        {
            EndMonitoring();
        }
        if (!ConferenceRules.CanRingFor(next) && _consult.IsActive)
        {
            // The conversation is over: the consulted agent stops ringing or is off the call.
            StopConsultation();
        }
        if (!ConferenceRules.CanRingFor(next) && _conferenceOffer is { } ring)
        {
            // The conversation is over: the agent being added stops ringing.
            _conferenceOffer = null;
            GrainFactory.GetAgent(ring.AgentId).CancelOffer(CallId, ring.OfferId).Ignore();
        }
    }

    /// <summary>
    /// Ends the call: the record is made durable first, and only then are the caller's side and
    /// the stored state told. A crash before that leaves the stored call to be resumed (and ended
    /// again, by the same party's repeated hang-up), never a call with no record.
    /// </summary>
    /// <param name="release">
    /// Agents still on the call, told it ended as soon as the record is durable: with the caller's
    /// side, never after the stored state's delete (a database round trip, or a whole connection
    /// timeout while the database is away, during which they would read OnCall for an ended call).
    /// </param>
    private async Task End(CallOutcome outcome, CallParty endedBy, string? detail, DateTimeOffset? at = null, int? surveyScore = null,
        IReadOnlyList<string>? release = null)
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
            Talk = _handling.TalkAt(_talkEndedAt ?? now, _hold),
            Hold = _hold,
            Outcome = outcome,
            EndedBy = endedBy,
            Priority = _arrival?.Priority ?? 0,
            Offers = _offers,
            AttachedData = _arrival?.AttachedData ?? ImmutableDictionary<string, string>.Empty,
            Detail = detail,
            SurveyScore = surveyScore,
            RecordingPath = _recordingPath,
            HandledBy = _handling.HandledBy,
        };
        _surveyTimeout?.Dispose();
        _surveyTimeout = null;
        if (_countedLive)
        {
            _countedLive = false;
            admission.CallLeft();
        }
        await records.WriteAsync(_record);
        // One timestamp for both sides, so the record never ends after the agent's next call starts.
        foreach (var agentId in release ?? [])
        {
            GrainFactory.GetAgent(agentId).CallEnded(CallId, now).Ignore();
        }
        callbackTickets.OnCallEnded(_record);
        _observer?.CallEnded(_record).Ignore();
        callers.CallEnded(_record).Ignore();
        if (stored.RecordExists && !await durable.TryAsync(stored, clear: true))
        {
            // The stored state must go, or a later message would resume an ended call: stay
            // active (ended, every message a no-op) and try again until it is deleted.
            _clearRetry = this.RegisterGrainTimer(RetryClear, new GrainTimerCreationOptions(DurableState.RetryAfter, DurableState.RetryAfter) { KeepAlive = true });
            return;
        }
        // Late messages about an ended call (a hang-up race, an offer notice) find a fresh
        // activation in state New, where every operation is a no-op: no second record.
        DeactivateOnIdle();
    }

    private async Task RetryClear(CancellationToken cancellationToken)
    {
        if (await durable.TryAsync(stored, clear: true))
        {
            _clearRetry?.Dispose();
            _clearRetry = null;
            DeactivateOnIdle();
        }
    }

    /// <summary>The record look-up is a database round trip too: it takes its turn at the storage gate.</summary>
    private Task<bool?> NewCallHasRecordAsync()
    {
        using (StorageGate.AdmissionLane())
        {
            return HasRecordAsync();
        }
    }

    private Task<bool?> HasRecordAsync() => storageGate.RunAsync(StorageOperation.Lookup, () => recordLookup.HasRecordAsync(CallId).AsTask());

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
