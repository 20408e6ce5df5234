using System.Collections.Immutable;

namespace CallCenter.Calls;

/// <summary>The call lifecycle; every call ends in exactly one terminal state (invariant 2).</summary>
public enum CallState
{
    New,
    Queued,
    Offered,
    Connected,
    OnHold,
    Ended,
    /// <summary>The agent's part is over and the caller answers the post-call survey (IVR-3); the record waits for the score.</summary>
    Survey,
    /// <summary>An agent sent the caller back to the gateway's IVR at a menu node (CTI-2); the call ends there or queues again.</summary>
    Ivr,
}

/// <summary>Terminal outcomes (invariant 2).</summary>
public enum CallOutcome
{
    Completed,
    Abandoned,
    Callback,
    Voicemail,
    Rejected,
    Failed,
    /// <summary>An outbound call the customer did not answer (ring timeout, 480, 408).</summary>
    NoAnswer,
    /// <summary>An outbound call the customer refused as busy (486, 600, 603).</summary>
    Busy,
}

/// <summary>Who placed the call: a customer calling in, or an agent dialling out (CTI-4).</summary>
public enum CallDirection
{
    Inbound,
    Outbound,
}

public enum CallParty
{
    Caller,
    Agent,
    System,
}

/// <summary>A call entering the center, from the gateway or the simulator.</summary>
[GenerateSerializer, Immutable, Alias("calls.arrival")]
public sealed record CallArrival
{
    [Id(0)] public required string CallId { get; init; }
    [Id(1)] public required string CallerNumber { get; init; }
    /// <summary>The service number dialled; routed by the table to a queue.</summary>
    [Id(2)] public required string Service { get; init; }
    [Id(3)] public int Priority { get; init; }
    [Id(4)] public ImmutableDictionary<string, int> RequiredSkills { get; init; } = ImmutableDictionary<string, int>.Empty;
    [Id(5)] public string? Account { get; init; }
    /// <summary>Data collected before the queue (IVR digits, account...), shown on the agent's screen.</summary>
    [Id(6)] public ImmutableDictionary<string, string> AttachedData { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>
    /// The sender made this call id for this very Start and has never sent it before, so the call
    /// cannot have ended already: the call grain skips asking the record table (a database round
    /// trip per call). A Start that may repeat an earlier one (a retry) must leave it false.
    /// </summary>
    [Id(7)] public bool FreshCallId { get; init; }
}

[GenerateSerializer, Immutable, Alias("calls.start-result")]
public sealed record CallStartResult(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? QueueId,
    [property: Id(2)] string? Region,
    [property: Id(3)] string? Error,
    // Refused at the door (admission control, call gapping): the call never entered, so it has no
    // outcome and no record; the caller may try again after RetryAfterSeconds.
    [property: Id(4)] bool Refused = false,
    [property: Id(5)] int RetryAfterSeconds = 0);

/// <summary>The one record written for every call when it reaches its terminal outcome.</summary>
[GenerateSerializer, Immutable, Alias("calls.cdr")]
public sealed record CallDetailRecord
{
    [Id(0)] public required string CallId { get; init; }
    [Id(1)] public required string CallerNumber { get; init; }
    [Id(2)] public required string Service { get; init; }
    [Id(3)] public string? Region { get; init; }
    /// <summary>Every queue the call entered, in order (overflows append).</summary>
    [Id(4)] public ImmutableArray<string> QueuePath { get; init; } = [];
    [Id(5)] public string? AgentId { get; init; }
    [Id(6)] public required DateTimeOffset ArrivedAt { get; init; }
    [Id(7)] public DateTimeOffset? FirstOfferedAt { get; init; }
    [Id(8)] public DateTimeOffset? AnsweredAt { get; init; }
    [Id(9)] public required DateTimeOffset EndedAt { get; init; }
    [Id(10)] public TimeSpan Wait { get; init; }
    [Id(11)] public TimeSpan Talk { get; init; }
    [Id(12)] public TimeSpan Hold { get; init; }
    [Id(13)] public required CallOutcome Outcome { get; init; }
    [Id(14)] public CallParty EndedBy { get; init; }
    [Id(15)] public int Priority { get; init; }
    [Id(16)] public int Offers { get; init; }
    [Id(17)] public ImmutableDictionary<string, string> AttachedData { get; init; } = ImmutableDictionary<string, string>.Empty;
    [Id(18)] public string? Detail { get; init; }
    /// <summary>The number the caller dialled (the service number unless the gateway says otherwise).</summary>
    [Id(19)] public string? CalledNumber { get; init; }
    /// <summary>Wrap-up the agent spent after this call, when known at the time the record is written.</summary>
    [Id(20)] public TimeSpan? WrapUp { get; init; }
    /// <summary>Post-call satisfaction (1-5) when the caller answered the survey.</summary>
    [Id(21)] public int? SurveyScore { get; init; }
    /// <summary>Where the caller's audio was recorded, when it was.</summary>
    [Id(22)] public string? RecordingPath { get; init; }
    /// <summary>Every agent who talked with the caller, in the order they answered (transfers append; CTI-2).</summary>
    [Id(23)] public ImmutableArray<string> HandledBy { get; init; } = [];
    /// <summary>Inbound unless an agent dialled the call (click-to-dial): then the caller is the agent's line and the called number the customer.</summary>
    [Id(24)] public CallDirection Direction { get; init; }
}

[GenerateSerializer, Immutable, Alias("calls.snapshot")]
public sealed record CallSnapshot(
    [property: Id(0)] string CallId,
    [property: Id(1)] CallState State,
    [property: Id(2)] string? QueueId,
    [property: Id(3)] string? AgentId,
    [property: Id(4)] CallOutcome? Outcome,
    [property: Id(5)] CallDetailRecord? Record);
