using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Support;

internal static class FakeClockExtensions
{
    /// <summary>The resolution at which tests observe timers; every RFC 3261 interval is a whole number of it.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Advances in 1 ms ticks. FakeTimeProvider fires due timers only at the end of one Advance, so a timer
    /// re-armed from its own callback would otherwise start from the end of a long jump.
    /// </summary>
    public static void Run(this FakeTimeProvider time, TimeSpan duration)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Tick)
        {
            time.Advance(Tick);
        }
    }
}
