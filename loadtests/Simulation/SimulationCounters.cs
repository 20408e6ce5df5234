namespace CallCenter.LoadTests.Simulation;

/// <summary>Running counts, written by the scheduler thread and read by the progress line.</summary>
internal sealed class SimulationCounters
{
    public long Offered;
    public long Ended;
    public long Completed;
    public long Abandoned;
    public long OtherOutcomes;
    public long Overflowed;
    public long RejectedAtStart;
    /// <summary>Calls refused at the door (admission control): never entered, so neither ended nor lost.</summary>
    public long Refused;
    public long Rings;
    public long RingsOnEntry;
    public long RingsLeftUnanswered;
    public long ForeignRings;
    public long ForeignRecords;
    public long AnswersIssued;
    public long AnswersAccepted;
    public long AnswersRefused;
    public long CallerHangups;
    public long PatienceHangups;
    public long RecoverChecks;
    public long Recoveries;
    public long OffersWithdrawn;
    public long PhoneCallEnded;
    public long SinkRecords;
    public long CallsWithSinkRecord;
    public long DuplicateObserverRecords;
    public long DuplicateSinkRecords;
    public long InvariantViolations;
    public long GrainCallErrors;
    public long LogoutErrors;
    public long CleanupHangups;
}
