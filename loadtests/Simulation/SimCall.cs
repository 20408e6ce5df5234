using CallCenter.Calls;

namespace CallCenter.LoadTests.Simulation;

/// <summary>What the simulator knows of one call it started; the record's figures are kept, not the record.</summary>
public struct SimCall
{
    public string? Id;
    public ICallGrain? Grain;
    public short Arrival;
    /// <summary>Scenario clock ticks at which the call arrived (was due).</summary>
    public long ArrivalDue;
    public double HandleSeconds;
    public double PatienceSeconds;
    /// <summary>Stopwatch timestamp when Start was issued.</summary>
    public long StartStamp;
    /// <summary>Stopwatch ticks from Start to the first ring offered on entry, or -1.</summary>
    public long EntryRingTicks;
    public short EntryRingQueue;
    public bool StartReturned;
    public bool Accepted;
    /// <summary>Refused at the door by admission control: it has no outcome and no record, and is not lost.</summary>
    public bool Refused;
    public bool CallerHangupIssued;
    /// <summary>Still in progress when the drain limit ended the run (then hung up to free its agent).</summary>
    public bool CutOff;
    /// <summary>The agent whose Answer returned true (and that the simulator then connected), or -1.</summary>
    public int ConnectedAgent;
    public int FirstAnsweringAgent;
    /// <summary>Scenario clock ticks when the last Answer for this call was issued.</summary>
    public long AnswerIssuedAt;
    public byte AnswersTrue;
    public byte ObserverRecords;
    public byte SinkRecords;
    /// <summary>The outcome the record sink saw (for a record that never reached the observer).</summary>
    public CallOutcome SinkOutcome;

    // From the call's record.
    public CallOutcome Outcome;
    public short EntryQueue;
    public short LastQueue;
    public bool Overflowed;
    public bool HasAnsweredAt;
    public float WaitSeconds;
    public float TalkSeconds;
    public float HoldSeconds;
    public long EndedAtTicks;
    public long AnsweredAtTicks;
    public int RecordAgent;

    public readonly bool Ended => ObserverRecords > 0;
}

/// <summary>Calls by index, in chunks so that growing never copies a large array. Scheduler thread only.</summary>
public sealed class CallTable
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;
    private SimCall[][] _chunks = new SimCall[16][];

    public int Count { get; private set; }

    public ref SimCall this[int index] => ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];

    public int Add()
    {
        var index = Count;
        var chunk = index >> ChunkBits;
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunks.Length * 2);
        }
        _chunks[chunk] ??= new SimCall[ChunkSize];
        Count++;
        return index;
    }
}
