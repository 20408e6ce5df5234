using CallCenter.Agents;

namespace CallCenter.Web.Supervisor;

/// <summary>
/// Moving an agent between queues (WB-2): adding a membership (or changing its level) and removing
/// one. The checks come first, so a refused move changes nothing; the agent grain then applies it
/// live (it joins or leaves the queue, which starts or stops offering it calls).
/// </summary>
public static class AgentQueueMove
{
    /// <summary>The highest membership level the console offers (1 = primary; higher levels get calls later).</summary>
    public const int MaxLevel = 9;

    /// <summary>Why adding <paramref name="queueId"/> at <paramref name="level"/> is refused; empty when it is allowed.</summary>
    public static IReadOnlyList<string> CheckAdd(AgentProfile agent, string queueId, int level, IReadOnlySet<string> knownQueues)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(queueId) || !knownQueues.Contains(queueId))
            errors.Add($"Queue: no queue '{queueId}'.");
        if (level is < 1 or > MaxLevel)
            errors.Add($"Level: between 1 (primary) and {MaxLevel}.");
        if (agent.Queues.TryGetValue(queueId, out var current) && current == level)
            errors.Add($"{agent.Id} is already in {queueId} at level {level}.");
        return errors;
    }

    /// <summary>Why removing <paramref name="queueId"/> is refused; empty when it is allowed.</summary>
    public static IReadOnlyList<string> CheckRemove(AgentProfile agent, string queueId) =>
        agent.Queues.ContainsKey(queueId) ? [] : [$"{agent.Id} is not in queue '{queueId}'."];

    /// <summary>The memberships after the move (what the agent grain stores when the checks pass).</summary>
    public static AgentProfile Apply(AgentProfile agent, string queueId, int? level) =>
        agent with { Queues = level is { } l ? agent.Queues.SetItem(queueId, l) : agent.Queues.Remove(queueId) };

    /// <summary>The teams of these agents, for the console's filter.</summary>
    public static IReadOnlyList<string> TeamsOf(IEnumerable<AgentProfile?> agents) =>
        [.. agents.Select(a => a?.Team).OfType<string>().Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
