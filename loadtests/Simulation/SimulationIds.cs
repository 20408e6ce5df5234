using System.Globalization;

namespace CallCenter.LoadTests.Simulation;

/// <summary>Maps the simulator's call ids ("{run}-{n}") and agent ids to indexes, from any thread.</summary>
public sealed class SimulationIds(string runTag, IReadOnlyDictionary<string, int> agents)
{
    private readonly string _prefix = runTag + "-";

    public string RunTag { get; } = runTag;

    public string CallId(int index) => _prefix + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The call's index, or -1 for a call this run did not start.</summary>
    public int CallIndex(string callId)
    {
        if (!callId.StartsWith(_prefix, StringComparison.Ordinal)
            || !int.TryParse(callId.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return -1;
        }
        return index;
    }

    public int AgentIndex(string? agentId) => agentId is not null && agents.TryGetValue(agentId, out var index) ? index : -1;
}
