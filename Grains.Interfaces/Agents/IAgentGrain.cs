using CallCenter.Acd;

namespace CallCenter.Agents;

/// <summary>
/// The single writer of one agent's presence. Queues never await an agent: they send
/// <see cref="Reserve"/> one-way and the agent answers with IQueueGrain.ReservationResult.
/// </summary>
[Alias("agents.agent")]
public interface IAgentGrain : IGrainWithStringKey
{
    [Alias("configure")] Task Configure(AgentProfile profile);
    /// <summary>
    /// Adds the agent to a queue, or changes its level there (1 = primary), live: a logged-in agent
    /// joins the queue at once and, when ready, is offered its calls. Returns the new profile.
    /// </summary>
    [Alias("set-queue")] Task<AgentProfile> SetQueueMembership(string queueId, int level);
    /// <summary>Removes the agent from a queue, live: the queue stops offering it calls. Unknown membership is an error.</summary>
    [Alias("remove-queue")] Task<AgentProfile> RemoveQueueMembership(string queueId);
    /// <summary>Logs in, attaching the phone that rings for offers; the agent starts not-ready unless <paramref name="ready"/>.</summary>
    [Alias("login")] Task Login(IAgentPhone? phone, bool ready);
    [Alias("logout")] Task Logout();
    [Alias("ready")] Task SetReady();
    [Alias("not-ready")] Task SetNotReady(string reasonCode);

    /// <summary>A queue asks to reserve the agent for a call; accepted only if the agent is ready.</summary>
    [Alias("reserve"), OneWay] Task Reserve(Offer offer);
    [Alias("cancel-offer"), OneWay] Task CancelOffer(string callId, long offerId);

    /// <summary>Answers the ringing call; false when the call is gone (the caller hung up, another agent won a ring-all).</summary>
    [Alias("answer")] Task<bool> Answer(string callId);
    /// <summary>Declines the ringing call: it goes back to its place at the head of the queue and the agent
    /// goes not-ready with reason "declined" (otherwise it would be offered the same call again).</summary>
    [Alias("decline")] Task Decline(string callId);
    [Alias("hold")] Task Hold();
    [Alias("retrieve")] Task Retrieve();
    /// <summary>The agent hangs up the connected call.</summary>
    [Alias("hangup")] Task Hangup();
    /// <summary>
    /// Blind transfer of the agent's connected call (CTI-2). When the call accepts it the agent is
    /// off the call and goes to wrap-up; otherwise (target not ready, no such queue) nothing changes.
    /// </summary>
    [Alias("transfer")] Task<CallCenter.Calls.TransferResult> Transfer(CallCenter.Calls.TransferTarget target);
    /// <summary>
    /// Three-way conference (CTI-2): rings <paramref name="agentId"/>'s phone to join this agent's call; when it
    /// answers the caller and both agents hear each other. Not accepted when that agent is not ready.
    /// </summary>
    [Alias("add-to-call")] Task<CallCenter.Calls.TransferResult> AddToCall(string agentId);
    /// <summary>
    /// Attended transfer (CTI-2): rings <paramref name="agentId"/>'s phone to consult it about this agent's call while
    /// the caller waits on hold; <see cref="Transfer"/> to that agent once it answered hands the caller over. Not
    /// accepted when that agent is not ready.
    /// </summary>
    [Alias("consult")] Task<CallCenter.Calls.TransferResult> Consult(string agentId);
    /// <summary>
    /// A call being transferred asks this agent's phone to ring. False (and nothing changes) unless
    /// the agent is ready with no offer; the answer then connects through <see cref="Answer"/> as usual.
    /// </summary>
    [Alias("ring-for-transfer")] Task<bool> RingForTransfer(Offer offer);
    /// <summary>
    /// Click-to-dial (CTI-4): the agent's phone rings, and once it answers the gateway calls <paramref name="number"/>
    /// through its trunk. Returns the outbound call's id. Refused with a clear error — nothing changes — when the
    /// number is not 3-20 digits with an optional leading +, the agent is logged out, on a call, has an offer ringing
    /// or is in wrap-up, or its phone cannot dial (no outbound trunk). The agent is busy for queues until the call ends.
    /// </summary>
    [Alias("dial")] Task<string> Dial(string number);
    /// <summary>The outbound call the agent dialled was answered by the customer: the agent is on the call.</summary>
    [Alias("outbound-connected"), OneWay] Task OutboundConnected(string callId);
    /// <summary>Ends after-call work early.</summary>
    [Alias("end-wrap-up")] Task EndWrapUp();
    /// <summary>The call ended from the caller's side.</summary>
    [Alias("call-ended"), OneWay] Task CallEnded(string callId, DateTimeOffset at);

    /// <summary>
    /// The agent's phone re-asserts its registration every few seconds with the call it is
    /// connected to, if any. An agent whose silo died comes back from its stored presence
    /// (logged in, ready or not-ready with its reason) on the first heartbeat, takes the phone's
    /// call back when the call confirms it, and otherwise tells the phone the call is over.
    /// </summary>
    [Alias("heartbeat")] Task<AgentSnapshot> Heartbeat(IAgentPhone phone, string? activeCallId);
    [Alias("snapshot"), AlwaysInterleave] Task<AgentSnapshot> GetSnapshot();
    /// <summary>The agent's ranking data when it is ready and free, else null (a queue rebuilding its index).</summary>
    [Alias("availability"), AlwaysInterleave] Task<AgentAvailability?> GetAvailability(int membershipLevel);
}

/// <summary>The agent's phone (softphone, gateway leg or simulated phone): told when to ring.</summary>
[Alias("agents.phone")]
public interface IAgentPhone : IGrainObserver
{
    [Alias("ring"), OneWay] Task Ring(Offer offer);
    /// <summary>The offer was withdrawn (caller hung up, another agent answered, ring timeout).</summary>
    [Alias("withdrawn"), OneWay] Task OfferWithdrawn(string agentId, string callId);
    [Alias("ended"), OneWay] Task CallEnded(string agentId, string callId);
    /// <summary>
    /// Click-to-dial (CTI-4): ring this phone and, once it answers, the customer. Null when the phone took the call
    /// on; otherwise why it cannot dial (no outbound trunk, busy, a phone that only takes calls).
    /// </summary>
    [Alias("place-call")] Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial);
}
