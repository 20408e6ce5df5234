namespace CallCenter.Calls;

[GenerateSerializer, Alias("calls.invalid-transition")]
public sealed class InvalidCallTransitionException(string callId, CallState from, CallState to, string why)
    : InvalidOperationException($"Call '{callId}' cannot go from {from} to {to}: {why}");

/// <summary>
/// The legal call transitions. A call reaches <see cref="CallState.Ended"/> once, with exactly one
/// outcome that must fit how it ended (invariant 2).
/// </summary>
public static class CallLifecycle
{
    public static bool IsLegal(CallState from, CallState to) => (from, to) switch
    {
        (CallState.New, CallState.Queued or CallState.Ended) => true,
        // Queued -> Queued: overflow to another queue.
        (CallState.Queued, CallState.Queued or CallState.Offered or CallState.Connected or CallState.Ended) => true,
        // Offered -> Queued: ring-no-answer, decline or overflow while ringing.
        (CallState.Offered, CallState.Queued or CallState.Offered or CallState.Connected or CallState.Ended) => true,
        // Connected/OnHold -> Offered, Queued or Ivr: a blind transfer to another agent, a queue or an IVR node (CTI-2).
        (CallState.Connected, CallState.OnHold or CallState.Survey or CallState.Ended or CallState.Offered or CallState.Queued or CallState.Ivr) => true,
        (CallState.OnHold, CallState.Connected or CallState.Survey or CallState.Ended or CallState.Offered or CallState.Queued or CallState.Ivr) => true,
        (CallState.Survey, CallState.Ended) => true,
        // Back in the IVR: its menu queues the caller again or ends the call.
        (CallState.Ivr, CallState.Queued or CallState.Ended) => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="outcome"/> can end a call that is in <paramref name="state"/>.</summary>
    public static bool CanEndWith(CallState state, CallOutcome outcome) => (state, outcome) switch
    {
        (CallState.Connected or CallState.OnHold or CallState.Survey, CallOutcome.Completed or CallOutcome.Failed) => true,
        // An agent already talked with a caller back in the IVR: it was served, whatever the menu does next.
        (CallState.Ivr, CallOutcome.Completed or CallOutcome.Voicemail or CallOutcome.Callback or CallOutcome.Failed) => true,
        (CallState.Queued or CallState.Offered,
            CallOutcome.Abandoned or CallOutcome.Callback or CallOutcome.Voicemail or CallOutcome.Rejected or CallOutcome.Failed) => true,
        // A call that never reached a queue: refused by routing, failed, or ended in the IVR
        // (self-service completed, the caller hung up, left a voicemail or asked for a callback).
        (CallState.New, _) => true,
        _ => false,
    };

    public static void Check(string callId, CallState from, CallState to)
    {
        if (!IsLegal(from, to))
        {
            throw new InvalidCallTransitionException(callId, from, to,
                from == CallState.Ended ? "the call has already ended" : "not a legal call transition");
        }
    }
}
