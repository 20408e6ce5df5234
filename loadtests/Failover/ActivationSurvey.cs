using System.Collections.Concurrent;
using Orleans.Runtime;

namespace CallCenter.LoadTests.Failover;

/// <summary>What lived on a silo just before it was killed (from the grain directory; for the result only).</summary>
public sealed record SurveyResult(IReadOnlyList<string> Agents, int Calls, IReadOnlyList<string> Queues, bool RoutingTable, bool Complete);

public static class ActivationSurvey
{
    private const int MaxCalls = 5000;

    public static async Task<SurveyResult> TakeAsync(IClusterClient client, FailoverDriver driver, SiloAddress silo, TimeSpan timeLimit, CancellationToken cancellationToken)
    {
        var management = client.GetGrain<IManagementGrain>(0);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeLimit);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = limit.Token };

        async Task<bool> On(IAddressable grain)
        {
            try
            {
                return await management.GetActivationAddress(grain).AsTask().WaitAsync(limit.Token) is { } address && address.Equals(silo);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return false;
            }
        }

        var agents = new ConcurrentBag<string>();
        var calls = 0;
        var queues = new ConcurrentBag<string>();
        var routing = false;
        var complete = false;
        try
        {
            routing = await On(client.GetRoutingTable());
            limit.Token.ThrowIfCancellationRequested();
            await Parallel.ForEachAsync(driver.Queues, parallel, async (queue, _) =>
            {
                if (await On(client.GetQueue(queue.Id)))
                {
                    queues.Add(queue.Id);
                }
            });
            await Parallel.ForEachAsync(driver.AgentIds, parallel, async (id, _) =>
            {
                if (await On(client.GetAgent(id)))
                {
                    agents.Add(id);
                }
            });
            await Parallel.ForEachAsync(driver.LiveCallIds(MaxCalls), parallel, async (id, _) =>
            {
                if (await On(client.GetCall(id)))
                {
                    Interlocked.Increment(ref calls);
                }
            });
            complete = true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Informational only: a survey that takes too long is cut short.
        }
        return new SurveyResult([.. agents.Order(StringComparer.Ordinal)], calls, [.. queues.Order(StringComparer.Ordinal)], routing, complete);
    }
}
