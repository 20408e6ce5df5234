using System.Runtime.InteropServices;

namespace CallCenter.LoadTests.Scheduling;

/// <summary>
/// Sleeps for less than a millisecond. .NET's waits count whole milliseconds; on Linux,
/// nanosleep wakes within about 0.1 ms without burning a core (the machine has two, shared
/// with the silo). Elsewhere the thread yields instead.
/// </summary>
internal static class PreciseSleep
{
    private const long MinimumTicks = 200; // 20 µs: below that the call costs more than it waits.

    public static void Sleep(long wallTicks)
    {
        if (wallTicks < MinimumTicks)
        {
            Thread.Yield();
            return;
        }
        if (OperatingSystem.IsLinux())
        {
            var request = new TimeSpec { Seconds = 0, Nanoseconds = Math.Min(wallTicks, TimeSpan.TicksPerMillisecond) * 100 };
            _ = NanoSleep(ref request, IntPtr.Zero);
            return;
        }
        Thread.Yield();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "nanosleep", SetLastError = false)]
    private static extern int NanoSleep(ref TimeSpec request, IntPtr remaining);
}
