using System.Globalization;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>A reading of the machine's CPU counters (Linux /proc), to be subtracted from a later one.</summary>
public sealed record MachineLoad(DateTimeOffset At, long BusyTicks, long TotalTicks, double SiloSeconds, double SelfSeconds, double BrowserSeconds)
{
    /// <summary>USER_HZ: /proc reports CPU time in these ticks on every Linux the project runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <param name="silo">CPU time of the silo process (read by the caller from its Process).</param>
    /// <param name="excludePid">A child of this process that is not the browser (the silo), left out of the browser's tree.</param>
    public static MachineLoad Read(TimeSpan silo, int excludePid)
    {
        var (busy, total) = ReadStat();
        return new MachineLoad(DateTimeOffset.UtcNow, busy, total, silo.TotalSeconds,
            System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            DescendantCpuSeconds(Environment.ProcessId, excludePid));
    }

    /// <summary>Cores kept busy between two readings: the whole machine, the silo, this process (simulator, probe, Playwright's client), the browser's processes.</summary>
    public static LoadFigures Between(MachineLoad start, MachineLoad end)
    {
        var wall = Math.Max(0.001, (end.At - start.At).TotalSeconds);
        var total = end.TotalTicks - start.TotalTicks;
        return new LoadFigures(
            Math.Round(wall, 1),
            Environment.ProcessorCount,
            total <= 0 ? double.NaN : Math.Round(100.0 * (end.BusyTicks - start.BusyTicks) / total, 1),
            Math.Round((end.SiloSeconds - start.SiloSeconds) / wall, 2),
            Math.Round((end.SelfSeconds - start.SelfSeconds) / wall, 2),
            Math.Round((end.BrowserSeconds - start.BrowserSeconds) / wall, 2),
            LoadAverage());
    }

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static double[] LoadAverage()
    {
        try
        {
            return [.. File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(x => double.Parse(x, CultureInfo.InvariantCulture))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }
    }

    private static (long Busy, long Total) ReadStat()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal ...": idle and iowait are not busy.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Take(8).Sum();
            return (total - fields[3] - fields[4], total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }

    /// <summary>CPU seconds of every process below <paramref name="root"/> (not itself), leaving out <paramref name="excludePid"/> and its tree.</summary>
    private static double DescendantCpuSeconds(int root, int excludePid)
    {
        var processes = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // The command name may hold spaces and parentheses: the fields start after the last ')'.
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                processes[pid] = (int.Parse(rest[1], CultureInfo.InvariantCulture),
                    long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // The process went away while we read it.
            }
        }
        var children = processes.ToLookup(p => p.Value.Parent, p => p.Key);
        long ticks = 0;
        var pending = new Stack<int>(children[root]);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (pid == excludePid)
            {
                continue;
            }
            ticks += processes[pid].Ticks;
            foreach (var child in children[pid])
            {
                pending.Push(child);
            }
        }
        return ticks / TicksPerSecond;
    }
}

/// <summary>CPU use over the measurement: machine busy % of all cores, and cores used by each part.</summary>
public sealed record LoadFigures(
    double WallSeconds,
    int Cores,
    double MachineBusyPercent,
    double SiloCores,
    double BenchProcessCores,
    double BrowserCores,
    double[] LoadAverage);
