using System.Globalization;

namespace CallCenter.LoadTests.Scaling;

/// <summary>
/// CPU time of processes on this host, read from /proc (Linux; null elsewhere or once the process
/// has gone). A server that forks a process per connection, as PostgreSQL does, is read as a
/// tree: the server's own time, what it has accounted for its reaped children, and its live
/// children's time.
/// </summary>
public static class ProcessCpu
{
    // USER_HZ: the unit of the times in /proc/PID/stat, 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system time of one process.</summary>
    public static TimeSpan? Of(int pid) => Read(pid) is { } t ? Seconds(t.Own) : null;

    /// <summary>User plus system time of a process, its reaped children and its live children.</summary>
    public static TimeSpan? TreeOf(int pid)
    {
        if (Read(pid) is not { } root)
        {
            return null;
        }
        var ticks = root.Own + root.Reaped;
        foreach (var dir in SafeDirectories())
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var child)
                && Read(child) is { } t && t.Parent == pid)
            {
                ticks += t.Own + t.Reaped;
            }
        }
        return Seconds(ticks);
    }

    /// <summary>The server's process id from a PostgreSQL data folder's postmaster.pid (first line).</summary>
    public static int? PostmasterOf(string dataDirectory)
    {
        try
        {
            var first = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The fields of a /proc/PID/stat line this needs. The command name (field 2) is in parentheses
    /// and may hold spaces, so fields are counted from the last ')'.
    /// </summary>
    internal static (int Parent, long Own, long Reaped)? Parse(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        // After ')': state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        var f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 15
            || !int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent)
            || !long.TryParse(f[11], NumberStyles.None, CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(f[12], NumberStyles.None, CultureInfo.InvariantCulture, out var stime)
            || !long.TryParse(f[13], NumberStyles.Integer, CultureInfo.InvariantCulture, out var cutime)
            || !long.TryParse(f[14], NumberStyles.Integer, CultureInfo.InvariantCulture, out var cstime))
        {
            return null;
        }
        return (parent, utime + stime, cutime + cstime);
    }

    private static (int Parent, long Own, long Reaped)? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string[] SafeDirectories()
    {
        try
        {
            return Directory.GetDirectories("/proc");
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static TimeSpan Seconds(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);
}
