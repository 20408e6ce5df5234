namespace CallCenter.LoadTests.Theory;

/// <summary>
/// An ideal contact center: calls served first come, first served by identical agents who pick
/// up the instant they are free, with no latency at all. Replaying a run's own arrivals and talk
/// times through it separates what the grains and the simulator add to the waits from the
/// luck of the draw, which no run length removes from a comparison with Erlang C's means.
/// </summary>
public static class FifoReplay
{
    /// <summary>The wait of each call, in the order given; calls must be sorted by arrival.</summary>
    public static double[] Waits(IReadOnlyList<(double Arrival, double Service)> calls, int agents)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(agents);
        var freeAt = new PriorityQueue<int, double>(agents);
        for (var i = 0; i < agents; i++)
        {
            freeAt.Enqueue(i, 0);
        }
        var waits = new double[calls.Count];
        var previous = double.NegativeInfinity;
        for (var i = 0; i < calls.Count; i++)
        {
            var (arrival, service) = calls[i];
            if (arrival < previous)
            {
                throw new ArgumentException("calls must be sorted by arrival", nameof(calls));
            }
            previous = arrival;
            freeAt.TryDequeue(out var agent, out var free);
            var start = Math.Max(arrival, free);
            waits[i] = start - arrival;
            freeAt.Enqueue(agent, start + service);
        }
        return waits;
    }
}
