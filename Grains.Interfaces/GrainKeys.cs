namespace CallCenter;

/// <summary>
/// Grain keys carry a type prefix so that grains of different types never share a storage key
/// (Orleans ADO.NET storage keys rows by id and state name: dotnet/orleans#8746).
/// </summary>
public static class GrainKeys
{
    public const string AgentPrefix = "agent:";
    public const string QueuePrefix = "queue:";
    public const string CallPrefix = "call:";
    public const string OutboundCallPrefix = "outcall:";
    public const string Center = "stats:center";
    public const string RoutingTable = "routing:default";

    public static string Agent(string agentId) => AgentPrefix + agentId;
    public static string Queue(string queueId) => QueuePrefix + queueId;
    public static string Call(string callId) => CallPrefix + callId;
    public static string OutboundCall(string callId) => OutboundCallPrefix + callId;

    /// <summary>The domain id inside a prefixed key ("agent:a001" -> "a001").</summary>
    public static string IdOf(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal)
            ? key[prefix.Length..]
            : throw new ArgumentException($"Grain key '{key}' does not start with '{prefix}'.", nameof(key));
}

public static class GrainFactoryExtensions
{
    public static Agents.IAgentGrain GetAgent(this IGrainFactory factory, string agentId) =>
        factory.GetGrain<Agents.IAgentGrain>(GrainKeys.Agent(agentId));

    public static Acd.IQueueGrain GetQueue(this IGrainFactory factory, string queueId) =>
        factory.GetGrain<Acd.IQueueGrain>(GrainKeys.Queue(queueId));

    /// <summary>The admission door of the silo the asker is connected to (a stateless worker).</summary>
    public static Calls.ICallAdmissionGrain GetCallAdmission(this IGrainFactory factory) => factory.GetGrain<Calls.ICallAdmissionGrain>(0);

    public static Calls.ICallGrain GetCall(this IGrainFactory factory, string callId) =>
        factory.GetGrain<Calls.ICallGrain>(GrainKeys.Call(callId));

    public static Calls.IOutboundCallGrain GetOutboundCall(this IGrainFactory factory, string callId) =>
        factory.GetGrain<Calls.IOutboundCallGrain>(GrainKeys.OutboundCall(callId));

    public static Stats.ICenterStatisticsGrain GetCenterStatistics(this IGrainFactory factory) =>
        factory.GetGrain<Stats.ICenterStatisticsGrain>(GrainKeys.Center);

    public static Acd.IRoutingTableGrain GetRoutingTable(this IGrainFactory factory) =>
        factory.GetGrain<Acd.IRoutingTableGrain>(GrainKeys.RoutingTable);
}
