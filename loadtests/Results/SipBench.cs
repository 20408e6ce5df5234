using System.Globalization;
using System.Text.RegularExpressions;

namespace CallCenter.LoadTests.Results;

/// <summary>One step of a stepped-rate SIPp run (loadtests/sip/bench.sh): a fixed call rate for a few seconds.</summary>
/// <param name="OfferedCps">The rate SIPp was asked for (the step folder's name, rate-N).</param>
/// <param name="AchievedCps">Calls created over the seconds until the last one was created.</param>
/// <param name="ResponseMs">INVITE to 200 response times (SIPp's -trace_rtt files), null when SIPp wrote none.</param>
/// <param name="TargetCpuPercent">The gateway's CPU over the step (100 = one core), from bench.sh's summary when present.</param>
public sealed record SipStep(
    int OfferedCps,
    long Calls,
    long Successful,
    long Failed,
    double AchievedCps,
    SipResponseTimes? ResponseMs,
    long PeakConcurrent,
    double? TargetCpuPercent,
    double? TargetPeakRssMib);

/// <summary>
/// Percentiles of the INVITE to 200 times in ms and how many were measured. From SIPp's -trace_rtt
/// files they are nearest-rank values ("rtt"); SIPp writes those only every 100 calls, so short steps
/// fall back to the statistics file's response-time buckets ("buckets"): each figure is then the
/// upper bound of the bucket holding that percentile (the lower bound for the open last bucket).
/// </summary>
public sealed record SipResponseTimes(double P50, double P95, double P99, double Max, long Samples, string Source);

/// <summary>A stepped-rate SIPp run read back from its folder.</summary>
public sealed record SipBench(string Folder, IReadOnlyList<SipStep> Steps)
{
    /// <summary>The highest offered rate whose step failed no call (0 when the first one failed).</summary>
    public int HighestZeroFailureCps => Steps.Where(s => s.Failed == 0 && s.Calls > 0).Select(s => s.OfferedCps).DefaultIfEmpty(0).Max();
}

/// <summary>Bad or missing SIPp output: names the file and what was wrong.</summary>
public sealed class SipBenchException(string message) : Exception(message);

/// <summary>
/// Reads the folder written by loadtests/sip/bench.sh (and gateway-bench.sh): one <c>rate-N</c>
/// folder per step holding SIPp's statistics file (<c>stat.csv</c>, -trace_stat, one line a second)
/// and response-time files (<c>*_rtt.csv</c>, -trace_rtt); <c>summary.csv</c> adds the gateway's
/// CPU and memory. The figures are computed from SIPp's own files, so a run stopped half-way still
/// reads.
/// </summary>
public static partial class SipBenchReader
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static SipBench Read(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new SipBenchException($"{folder}: no such folder (give the --out folder of loadtests/sip/bench.sh or gateway-bench.sh)");
        }
        var summary = ReadSummary(Path.Combine(folder, "summary.csv"));
        var steps = new List<SipStep>();
        foreach (var dir in Directory.EnumerateDirectories(folder))
        {
            var match = StepFolder().Match(Path.GetFileName(dir));
            if (!match.Success || !File.Exists(Path.Combine(dir, "stat.csv")))
            {
                continue;
            }
            var rate = int.Parse(match.Groups[1].Value, C);
            var step = ReadStep(rate, Path.Combine(dir, "stat.csv"), Directory.GetFiles(dir, "*_rtt.csv"));
            if (summary.TryGetValue(rate, out var measured))
            {
                step = step with { TargetCpuPercent = measured.Cpu, TargetPeakRssMib = measured.Rss };
            }
            steps.Add(step);
        }
        if (steps.Count == 0)
        {
            throw new SipBenchException($"{folder}: no step folders (rate-N/stat.csv) found");
        }
        return new SipBench(folder, [.. steps.OrderBy(s => s.OfferedCps)]);
    }

    /// <summary>One step from SIPp's statistics file and its response-time files.</summary>
    public static SipStep ReadStep(int offeredCps, string statPath, IReadOnlyList<string> rttPaths)
    {
        var lines = File.ReadLines(statPath).Where(l => l.Length > 0).ToList();
        if (lines.Count < 2)
        {
            throw new SipBenchException($"{statPath}: expected a header and at least one line of statistics");
        }
        var header = lines[0].Split(';');
        int Column(string name) => Array.IndexOf(header, name) is >= 0 and var i ? i : throw new SipBenchException($"{statPath}: no column {name}");
        var (created, successful, failed, current, elapsed) =
            (Column("TotalCallCreated"), Column("SuccessfulCall(C)"), Column("FailedCall(C)"), Column("CurrentCall"), Column("ElapsedTime(C)"));
        var rows = lines.Skip(1).Select(l => l.Split(';')).Where(r => r.Length >= header.Length - 1).ToList();
        long Long(string[] row, int column, int line) => long.TryParse(row[column], NumberStyles.Integer, C, out var v)
            ? v : throw new SipBenchException($"{statPath}: line {line + 2}, {header[column]}: '{row[column]}' is not a count");
        var last = rows[^1];
        var totalCreated = Long(last, created, rows.Count - 1);
        // The first line (one a second) where every call had been created: the rate SIPp reached.
        var firstComplete = rows.FindIndex(r => long.TryParse(r[created], NumberStyles.Integer, C, out var v) && v >= totalCreated);
        var seconds = Math.Max(1, ElapsedSeconds(rows[firstComplete][elapsed], statPath));
        var responses = ResponseTimes(rttPaths) ?? BucketResponseTimes(header, last, statPath);
        return new SipStep(
            offeredCps,
            totalCreated,
            Long(last, successful, rows.Count - 1),
            Long(last, failed, rows.Count - 1),
            Math.Round(totalCreated / seconds, 1),
            responses,
            rows.Select((r, i) => Long(r, current, i)).Max(),
            null,
            null);
    }

    /// <summary>SIPp writes elapsed time as HH:MM:SS:ffffff (or HH:MM:SS).</summary>
    public static double ElapsedSeconds(string text, string path)
    {
        var parts = text.Split(':');
        if (parts.Length < 3 || !parts.Take(3).All(p => int.TryParse(p, NumberStyles.None, C, out _)))
        {
            throw new SipBenchException($"{path}: '{text}' is not an elapsed time (HH:MM:SS:ffffff)");
        }
        var seconds = int.Parse(parts[0], C) * 3600 + int.Parse(parts[1], C) * 60 + int.Parse(parts[2], C);
        var fraction = parts.Length > 3 && parts[3].Length > 0 && parts[3].All(char.IsAsciiDigit) ? double.Parse("0." + parts[3], C) : 0;
        return seconds + fraction;
    }

    /// <summary>Nearest-rank percentiles over every response time SIPp wrote (the second column, ms).</summary>
    public static SipResponseTimes? ResponseTimes(IEnumerable<string> rttPaths)
    {
        var values = new List<double>();
        foreach (var path in rttPaths)
        {
            foreach (var line in File.ReadLines(path))
            {
                var fields = line.Split(';');
                if (fields.Length >= 2 && double.TryParse(fields[1], NumberStyles.Float, C, out var ms))
                {
                    values.Add(ms);
                }
            }
        }
        if (values.Count == 0)
        {
            return null;
        }
        values.Sort();
        double Rank(double p) => values[Math.Clamp((int)Math.Ceiling(values.Count * p) - 1, 0, values.Count - 1)];
        return new SipResponseTimes(Rank(0.50), Rank(0.95), Rank(0.99), values[^1], values.Count, "rtt");
    }

    /// <summary>
    /// Percentiles from the ResponseTimeRepartition1 buckets of the statistics file's last line (counts
    /// since the start): the column named after the repartition is empty, each bucket's count is under
    /// its label (_&lt;10 ... _&gt;=1000).
    /// </summary>
    public static SipResponseTimes? BucketResponseTimes(string[] header, string[] row, string path)
    {
        var first = Array.IndexOf(header, "ResponseTimeRepartition1");
        if (first < 0)
        {
            return null;
        }
        var buckets = new List<(double Bound, bool Open, long Count)>();
        for (var i = first + 1; i < header.Length && header[i].StartsWith("ResponseTimeRepartition1_", StringComparison.Ordinal); i++)
        {
            var label = header[i]["ResponseTimeRepartition1_".Length..];
            var open = label.StartsWith(">=", StringComparison.Ordinal);
            var bound = double.TryParse(label.TrimStart('<', '>', '='), NumberStyles.Float, C, out var b) ? b
                : throw new SipBenchException($"{path}: response-time bucket '{header[i]}' has no bound");
            var count = i < row.Length && long.TryParse(row[i], NumberStyles.Integer, C, out var n) ? n
                : throw new SipBenchException($"{path}: response-time bucket '{header[i]}' has no count");
            buckets.Add((bound, open, count));
        }
        var total = buckets.Sum(b => b.Count);
        if (total == 0)
        {
            return null;
        }
        double At(double p)
        {
            var rank = (long)Math.Ceiling(total * p);
            var seen = 0L;
            foreach (var b in buckets)
            {
                seen += b.Count;
                if (seen >= rank)
                {
                    return b.Bound;
                }
            }
            return buckets[^1].Bound;
        }
        return new SipResponseTimes(At(0.50), At(0.95), At(0.99), buckets.Last(b => b.Count > 0).Bound, total, "buckets");
    }

    private static Dictionary<int, (double? Cpu, double? Rss)> ReadSummary(string path)
    {
        var measured = new Dictionary<int, (double?, double?)>();
        if (!File.Exists(path))
        {
            return measured;
        }
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            return measured;
        }
        var header = lines[0].Split(',');
        var (rate, cpu, rss) = (Array.IndexOf(header, "rate_cps"), Array.IndexOf(header, "target_cpu_pct"), Array.IndexOf(header, "target_peak_rss_mib"));
        if (rate < 0)
        {
            return measured;
        }
        double? Optional(string[] row, int column) =>
            column >= 0 && column < row.Length && double.TryParse(row[column], NumberStyles.Float, C, out var v) ? v : null;
        foreach (var row in lines.Skip(1).Select(l => l.Split(',')))
        {
            if (row.Length > rate && int.TryParse(row[rate], NumberStyles.None, C, out var r))
            {
                measured[r] = (Optional(row, cpu), Optional(row, rss));
            }
        }
        return measured;
    }

    [GeneratedRegex(@"^rate-(\d+)$")]
    private static partial Regex StepFolder();
}
