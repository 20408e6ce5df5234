namespace CallCenter.History;

/// <summary>
/// Where grains hand agent state intervals and queue events for the reports. Called inside the
/// grain, in-process, so it must not block: durable writers buffer and write in batches.
/// </summary>
public interface IHistorySink
{
    ValueTask WriteAsync(AgentStateInterval interval);

    ValueTask WriteAsync(QueueEvent queueEvent);
}

/// <summary>The embedded default keeps no history beyond the call records.</summary>
public sealed class DiscardingHistorySink : IHistorySink
{
    public ValueTask WriteAsync(AgentStateInterval interval) => ValueTask.CompletedTask;

    public ValueTask WriteAsync(QueueEvent queueEvent) => ValueTask.CompletedTask;
}
