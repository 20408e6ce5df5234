namespace CallCenter.Calls;

/// <summary>The rules of click-to-dial that need no grain: which numbers may be dialled, which SIP answers mean what.</summary>
public static class OutboundNumber
{
    public const int MinLength = 3;
    public const int MaxLength = 20;
    /// <summary>Prefix of every outbound call id; inbound calls never use it.</summary>
    public const string CallIdPrefix = "out-";

    /// <summary>Null when <paramref name="number"/> may be dialled: digits with an optional leading +, 3 to 20 characters in all.</summary>
    public static string? Check(string? number)
    {
        if (string.IsNullOrEmpty(number))
        {
            return "the number is empty";
        }
        if (number.Length is < MinLength or > MaxLength)
        {
            return $"the number '{number}' must be {MinLength} to {MaxLength} characters long";
        }
        var digits = number[0] == '+' ? number.AsSpan(1) : number.AsSpan();
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return $"the number '{number}' must be digits with an optional leading +";
            }
        }
        return null;
    }

    public static string NewCallId() => CallIdPrefix + Guid.NewGuid().ToString("N");

    /// <summary>
    /// The outcome of a customer leg that ended without an answer, from the final SIP status (RFC 3261 §21):
    /// busy everywhere or declined is Busy, unavailable / timed out / cancelled at our ring timeout is NoAnswer,
    /// anything else (no trunk response, server errors) Failed. A status of 0 means no final response came.
    /// </summary>
    public static CallOutcome OutcomeOf(int status, bool timedOut) => (status, timedOut) switch
    {
        (_, true) => CallOutcome.NoAnswer,
        (486 or 600 or 603, _) => CallOutcome.Busy,
        (480 or 408 or 487, _) => CallOutcome.NoAnswer,
        _ => CallOutcome.Failed,
    };
}

/// <summary>An agent's click-to-dial request (CTI-4), as its phone and the outbound call grain see it.</summary>
[GenerateSerializer, Immutable, Alias("calls.outbound-dial")]
public sealed record OutboundDial(
    [property: Id(0)] string CallId,
    [property: Id(1)] string AgentId,
    [property: Id(2)] string Number,
    [property: Id(3)] DateTimeOffset PlacedAt);

/// <summary>
/// One outbound call (CTI-4): the agent's phone rings first, then the customer through the trunk; the call's
/// one record says Outbound with the outcome. The gateway that holds the legs reports progress; the agent
/// grain is told the call connected and, after the record is written, that it ended.
/// </summary>
[Alias("calls.outbound")]
public interface IOutboundCallGrain : IGrainWithStringKey
{
    /// <summary>The agent grain opens the call before its phone is asked to dial. Throws when the call was opened already.</summary>
    [Alias("open")] Task Open(OutboundDial dial);
    /// <summary>The phone refused to dial (no trunk, busy): the call is forgotten with no record, as if never opened.</summary>
    [Alias("discard")] Task Discard();
    /// <summary>The holder of the legs watches the call's end (to hang both legs up). Ignored once the call ended.</summary>
    [Alias("observe")] Task Observe(ICallObserver observer);
    /// <summary>The customer answered: the agent is told it is on the call. False when the call is over already (hang up).</summary>
    [Alias("customer-answered")] Task<bool> CustomerAnswered();
    /// <summary>Where the gateway records the call's audio; written on the record. Ignored once the call ended.</summary>
    [Alias("recording")] Task AttachRecording(string path);
    /// <summary>
    /// Ends the call: answered calls as Completed, unanswered ones with the outcome given (NoAnswer, Busy, Failed).
    /// The record is written first, then the agent (unless it hung up itself) and the observer are told. Repeats are no-ops.
    /// </summary>
    [Alias("end")] Task End(CallParty endedBy, CallOutcome outcomeIfUnanswered, string? detail);
    [Alias("snapshot"), AlwaysInterleave] Task<OutboundCallSnapshot> GetSnapshot();
}

/// <summary>What the outbound call grain says about itself; the record (agent, number, outcome) once the call ended.</summary>
[GenerateSerializer, Immutable, Alias("calls.outbound-snapshot")]
public sealed record OutboundCallSnapshot([property: Id(0)] string CallId, [property: Id(1)] OutboundCallState State, [property: Id(2)] CallDetailRecord? Record);

/// <summary>Where an outbound call is: the agent's phone or the customer rings, the two talk, or it is over.</summary>
public enum OutboundCallState { New, Dialing, Connected, Ended }
