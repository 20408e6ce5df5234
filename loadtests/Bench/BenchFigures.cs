using CallCenter.LoadTests.Results;

namespace CallCenter.LoadTests.Bench;

/// <summary>Decision latency percentiles in wall milliseconds.</summary>
public sealed record DecisionLatencyFigures(double P50, double P99, double P999);

/// <summary>
/// BENCH.json, field for field the contract: grain messages per second for the ping
/// reference and for the call flow (both counted by the silo's incoming-call filter), flow /
/// ping, calls per wall second while calls arrived, routing-decision latency, bytes allocated
/// in the process per call offered, and managed heap per call held live.
/// </summary>
public sealed record BenchFigures(
    double PingMessagesPerSecond,
    double FlowMessagesPerSecond,
    double Ratio,
    double CallsPerSecond,
    DecisionLatencyFigures DecisionLatencyMs,
    double BytesAllocatedPerCall,
    double BytesPerLiveCall)
{
    public static BenchFigures From(PingFigures? ping, SimulationResult flow, LiveCallFigures? live)
    {
        var pingRate = ping?.MessagesPerSecond ?? 0;
        var flowRate = flow.ArrivalPhase?.GrainCallsPerWallSecond ?? 0;
        return new BenchFigures(
            pingRate,
            flowRate,
            pingRate > 0 ? flowRate / pingRate : 0,
            flow.ArrivalPhase?.EndedPerWallSecond ?? 0,
            new DecisionLatencyFigures(flow.DecisionLatencyMs.P50, flow.DecisionLatencyMs.P99, flow.DecisionLatencyMs.P999),
            flow.Offered > 0 ? flow.AllocatedBytes / (double)flow.Offered : 0,
            live?.BytesPerLiveCall ?? 0);
    }
}
