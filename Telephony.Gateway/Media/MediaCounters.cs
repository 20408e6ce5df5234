namespace CallCenter.Telephony.Gateway.Media;

/// <summary>A snapshot of the media plane's counters.</summary>
/// <param name="MaxTickLag">The largest delay of a pacing tick behind its schedule since the engine started.</param>
/// <param name="TickBusyTime">Total time spent running ticks: divided by <c>Ticks</c>, the cost of one.</param>
/// <param name="LateTicks">Ticks that ran a packet time or more behind schedule, or were skipped.</param>
public readonly record struct MediaCounters(
    long PacketsReceived,
    long PacketsSent,
    long Ticks,
    long LateTicks,
    long SkippedTicks,
    TimeSpan MaxTickLag,
    long SendErrors,
    TimeSpan TickBusyTime,
    TimeSpan MaxTickDuration);
