using CallCenter.Acd;

namespace CallCenter.Calls;

/// <summary>
/// One call from arrival to its one terminal outcome. The call is the arbiter of who answered
/// it: an agent's answer is checked against the call's state at that moment. The call never
/// awaits another grain while holding a decision, so any grain may await it.
/// </summary>
[Alias("calls.call")]
public interface ICallGrain : IGrainWithStringKey
{
    [Alias("start")] Task<CallStartResult> Start(CallArrival arrival, ICallObserver? observer);
    /// <summary>
    /// A call that ended before it reached a queue (IVR-2 self-service, the caller hung up in the menu,
    /// voicemail or a callback request from the menu): the gateway reports it once so it has its one
    /// record like every other call (invariant 2). Outcomes: Completed, Abandoned, Voicemail, Callback, Failed.
    /// False when the call was already started or ended.
    /// </summary>
    [Alias("end-in-ivr")] Task<bool> EndInIvr(CallArrival arrival, DateTimeOffset arrivedAt, CallOutcome outcome, string? detail, ICallObserver? observer);
    /// <summary>An agent answers an offer; true when the call was still waiting in that queue.</summary>
    [Alias("connect")] Task<bool> Connect(Offer offer, DateTimeOffset answeredAt);
    [Alias("hangup")] Task Hangup(CallParty party);
    [Alias("hold")] Task SetHold(bool onHold);
    /// <summary>
    /// The conversation is over (<paramref name="endedBy"/> hung up) but the caller stays on the line
    /// for the post-call survey (IVR-3): the agent is released now and its talk time ends here; the
    /// call's one record waits for <see cref="SurveyAnswered"/>, the caller's hang-up or a timeout.
    /// False when the call is not connected (it ended, or was never answered).
    /// </summary>
    [Alias("start-survey")] Task<bool> StartSurvey(CallParty endedBy);
    /// <summary>Where the gateway records the call's audio (CTI-3); written on the call's record. Ignored once the call ended.</summary>
    [Alias("recording")] Task AttachRecording(string path);
    /// <summary>The caller's survey score (1-5), or null when the caller gave none; ends the call.</summary>
    [Alias("survey-answered")] Task SurveyAnswered(int? score);
    /// <summary>The waiting caller asks to be called back (ACD-6).</summary>
    [Alias("callback")] Task RequestCallback();
    /// <summary>The waiting caller leaves a voicemail (ACD-6).</summary>
    [Alias("voicemail")] Task RequestVoicemail();
    /// <summary>A queue offered the call to an agent (for the record's first-offer time).</summary>
    [Alias("offered"), OneWay] Task Offered(string queueId, string agentId, DateTimeOffset at);
    /// <summary>A queue moves the waiting call on (overflow).</summary>
    [Alias("overflow"), OneWay] Task Overflow(string fromQueue, string toQueue, string reason);
    /// <summary>A queue ends the waiting call (max wait to voicemail / callback / disconnect; rejected).</summary>
    [Alias("end-in-queue"), OneWay] Task EndInQueue(string queueId, CallOutcome outcome, string reason);
    /// <summary>
    /// Blind transfer (CTI-2) by the agent connected to the call. To an agent: that agent's phone
    /// rings (refused when the agent is not ready); if it is not answered the call goes back to its
    /// queue with its first arrival time, ahead of every later caller. To a queue: the call waits
    /// there keeping its first arrival time and priority. When accepted the asking agent is no
    /// longer on the call. Throws when <paramref name="fromAgentId"/> is not connected to the call.
    /// </summary>
    [Alias("transfer")] Task<TransferResult> Transfer(string fromAgentId, TransferTarget target);
    /// <summary>
    /// Three-way conference (CTI-2): an agent on the call rings another agent (by id); when that agent answers it
    /// joins the call and the caller and every agent hear each other. Refused (nothing changes) when the target is
    /// not ready. Throws when <paramref name="fromAgentId"/> is not on the connected call, the target is on it
    /// already, another agent is being rung for it, or the call has <see cref="ConferenceRules.MaxAgents"/> agents.
    /// </summary>
    [Alias("add-agent")] Task<TransferResult> AddAgent(string fromAgentId, string agentId);
    /// <summary>
    /// Attended transfer, first half (CTI-2, RFC 5589 §7): the agent on the call consults another agent, whose phone
    /// rings while the caller waits on hold. Once that agent answers, <see cref="Transfer"/> to it by the consulting
    /// agent hands the caller over (the call's agent changes; one record names both), and <see cref="EndConsult"/>
    /// or the consulted agent's <see cref="AgentHangup"/> ends the consultation with the caller still the first
    /// agent's. Refused (nothing changes) when the target is not ready. Throws when <paramref name="fromAgentId"/> is
    /// not the agent on the connected call, the call is a conference, or a consultation or another ring is going on.
    /// </summary>
    [Alias("consult")] Task<TransferResult> Consult(string fromAgentId, string agentId);
    /// <summary>
    /// The consulting agent ends its consultation without a transfer: a ringing phone stops ringing, a consulted
    /// agent who answered is off the call. False when no consultation is going on (nothing changes).
    /// </summary>
    [Alias("end-consult")] Task<bool> EndConsult(string fromAgentId);
    /// <summary>The agent consulted now (ringing or talking), or null.</summary>
    [Alias("consulted-agent")] Task<string?> GetConsultedAgent();
    /// <summary>
    /// An agent on the call hangs up. In a conference the caller stays with the other agents and this is false;
    /// otherwise the call ends (as <see cref="Hangup"/> by the agent) and this is true.
    /// </summary>
    [Alias("agent-hangup")] Task<bool> AgentHangup(string agentId);
    /// <summary>
    /// A call an agent sent back to the IVR (<see cref="TransferTargetKind.Ivr"/>) reached a queue node: it routes
    /// <paramref name="service"/> and waits there like a new arrival, keeping its first arrival time (it waits ahead of
    /// later callers); the IVR's data is added to the call's. False (nothing changes) when the call is not in the IVR.
    /// </summary>
    [Alias("queue-from-ivr")] Task<bool> QueueFromIvr(string service, System.Collections.Immutable.ImmutableDictionary<string, string> attachedData);
    /// <summary>
    /// A call an agent sent back to the IVR ended there: self-service completed or the caller hung up (Completed —
    /// an agent talked with the caller), a voicemail or a callback request. False when the call is not in the IVR.
    /// </summary>
    [Alias("end-from-ivr")] Task<bool> EndFromIvr(CallOutcome outcome, string? detail);
    /// <summary>The agents on the call now, the one who answered it first (or was left last) first.</summary>
    [Alias("agents-on-call")] Task<IReadOnlyList<string>> GetAgentsOnCall();
    /// <summary>The agent rung for a transfer did not answer (ring timeout, declined): the call goes back to its queue.</summary>
    [Alias("transfer-not-answered"), OneWay] Task TransferNotAnswered(string agentId, long offerId, string reason);
    /// <summary>
    /// The gateway that holds the call's audio (its caller session) offers to mix supervisors in (WB-2).
    /// Sent once the caller is talking with an agent; a call without one (simulated traffic) cannot be monitored.
    /// </summary>
    [Alias("attach-media")] Task AttachMedia(ICallMediaHost host);
    /// <summary>
    /// A supervisor monitors the connected call (WB-2): the media host rings the supervisor's phone and,
    /// when it answers, mixes it in with the mode's roles. Called again with another mode, it changes the
    /// mode live. Throws when the call is not connected, the supervisor is an agent on it, or its audio
    /// is on no gateway; nothing changes then. Never changes the caller-agent conversation.
    /// </summary>
    [Alias("monitor")] Task<CallMonitor> Monitor(string supervisorId, MonitorMode mode);
    /// <summary>A supervisor stops monitoring (from the console): its phone is hung up. False when it was not monitoring.</summary>
    [Alias("stop-monitor")] Task<bool> StopMonitor(string supervisorId);
    /// <summary>The media host: the supervisor's phone answered. False when the monitoring was stopped meanwhile (hang it up).</summary>
    [Alias("monitor-joined")] Task<bool> MonitorJoined(string supervisorId);
    /// <summary>The media host: the supervisor's phone hung up, did not answer or failed. The call goes on untouched.</summary>
    [Alias("monitor-left")] Task MonitorLeft(string supervisorId);
    [Alias("monitors")] Task<IReadOnlyList<CallMonitor>> GetMonitors();
    [Alias("snapshot")] Task<CallSnapshot> GetSnapshot();
    /// <summary>What was collected before the queue (IVR digits, account...), for the agent's screen pop (CTI-1); empty for an unknown call.</summary>
    [Alias("attached-data")] Task<System.Collections.Immutable.ImmutableDictionary<string, string>> GetAttachedData();
    /// <summary>
    /// The holder of the caller's leg (gateway or simulator) re-asserts a live call every few
    /// seconds until it has been told the call ended. A call whose silo died is reactivated from
    /// its stored state by this message and resumes (re-enters its queue, or stays connected);
    /// the observer is attached again. A call this grain no longer knows reports state New with
    /// no record (it ended and its record was written, or it never started).
    /// </summary>
    [Alias("keep-alive")] Task<CallSnapshot> KeepAlive(ICallObserver? observer);
}

/// <summary>The holder of the caller's leg: told when an agent answers, and once when the call reaches its terminal outcome.</summary>
[Alias("calls.observer")]
public interface ICallObserver : IGrainObserver
{
    /// <summary>An agent answered: the holder of the caller's leg bridges it (or, when the agent's phone is not on this gateway, tells the caller).</summary>
    [Alias("connected"), OneWay] Task CallConnected(string callId, string agentId);
    [Alias("ended"), OneWay] Task CallEnded(CallDetailRecord record);
}
