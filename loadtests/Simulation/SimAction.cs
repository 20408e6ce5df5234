namespace CallCenter.LoadTests.Simulation;

public enum SimActionKind : byte
{
    // Timed actions, due at a scenario time.
    Arrival,
    Answer,
    CallerHangup,
    Patience,
    Recover,
    EndOfArrivals,
    DrainDeadline,

    // Events posted from other threads as they happen.
    StartCompleted,
    Rang,
    AnswerCompleted,
    HangupCompleted,
    RecoverCompleted,
    CdrObserved,
    CdrSunk,
    OfferWithdrawn,
    PhoneCallEnded,
    GrainCallFailed,
}

/// <summary>
/// One scheduled action or posted event. A small struct so that the scheduler's heap holds
/// actions inline; <see cref="Payload"/> carries the offer, record, result or exception.
/// </summary>
public readonly record struct SimAction(SimActionKind Kind, int Call, int Agent, long Stamp = 0, object? Payload = null, int Value = 0);
