namespace CallCenter.Telephony.Gateway.Media;

/// <summary>What the pacing loop does on one wake-up: run ticks <c>FirstTick</c> to <c>FirstTick + Run - 1</c>.</summary>
/// <param name="Lag">How far behind its schedule the first of them runs.</param>
internal readonly record struct TickPlan(long FirstTick, int Run, long Skipped, int Late, TimeSpan Lag);

/// <summary>
/// The pacing policy of the single media loop. Tick k is due at (k + 1) packet times after the start. A late
/// wake-up runs the missed ticks back to back, at most <c>maxCatchUp</c> of them; older ones are skipped, so
/// after a long stall peers get a short gap (with RTP timestamps that still follow the clock) instead of a burst.
/// </summary>
internal sealed class TickSchedule(TimeSpan packetTime, int maxCatchUp)
{
    public long NextTick { get; private set; }

    public TickPlan Plan(TimeSpan elapsed)
    {
        var due = elapsed.Ticks / packetTime.Ticks;
        var behind = due - NextTick;
        if (behind <= 0)
        {
            return new TickPlan(NextTick, 0, 0, 0, TimeSpan.Zero);
        }

        var skipped = Math.Max(0, behind - maxCatchUp);
        var first = NextTick + skipped;
        var run = (int)(behind - skipped);
        NextTick = due;

        // The last due tick is on time; every earlier one runs at least a packet time behind its schedule.
        var lag = elapsed - TimeSpan.FromTicks((first + 1) * packetTime.Ticks);
        return new TickPlan(first, run, skipped, run - 1 + (int)Math.Min(skipped, int.MaxValue - run), lag);
    }
}
