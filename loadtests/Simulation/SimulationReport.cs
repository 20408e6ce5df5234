using CallCenter.Calls;
using CallCenter.LoadTests.Results;

namespace CallCenter.LoadTests.Simulation;

/// <summary>What a run produced: the result file's content and, on request, one sample per call.</summary>
public sealed record SimulationReport(SimulationResult Result, IReadOnlyList<CallSample> Calls);

/// <summary>One call: entry queue, arrival (scenario s from the run's start), wait, talk, the handle time drawn for it, outcome (null = lost), agent.</summary>
/// <remarks><see cref="OfferedOnEntry"/>: the call rang an agent as it entered its first queue (its wait is routing latency only).</remarks>
public readonly record struct CallSample(
    string CallId,
    string EntryQueue,
    double ArrivalSeconds,
    double WaitSeconds,
    double TalkSeconds,
    double HandleSeconds,
    CallOutcome? Outcome,
    string? AgentId,
    bool Overflowed,
    bool OfferedOnEntry)
{
    public const string CsvHeader = "callId,entryQueue,arrivalSeconds,waitSeconds,talkSeconds,handleSeconds,outcome,agentId,overflowed,offeredOnEntry";

    public string ToCsv() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{CallId},{EntryQueue},{ArrivalSeconds:0.###},{WaitSeconds:0.###},{TalkSeconds:0.###},{HandleSeconds:0.###},{Outcome?.ToString() ?? "lost"},{AgentId},{(Overflowed ? 1 : 0)},{(OfferedOnEntry ? 1 : 0)}");
}
