using System.Globalization;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>
/// The cumulative counters of SIPp's statistics file (-trace_stat): a header line of
/// ';'-separated column names, then one line per dump period; the last line holds the totals.
/// "(C)" columns are cumulative, "(P)" columns per period.
/// </summary>
public sealed record SippStats(
    long CallsCreated,
    long SuccessfulCalls,
    long FailedCalls,
    long CurrentCalls,
    long Retransmissions,
    long FailedUnexpectedMessage,
    long FailedTimeoutOnReceive,
    long FailedMaxUdpRetransmissions,
    long OutOfCallMessages,
    double CallRate,
    TimeSpan Elapsed)
{
    /// <summary>Parses a whole statistics file; the totals are on its last data line.</summary>
    public static SippStats ParseFile(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2) throw new FormatException("SIPp statistics need a header line and at least one data line");
        return Parse(lines[0], lines[^1]);
    }

    public static SippStats Parse(string headerLine, string dataLine)
    {
        var names = headerLine.Split(';');
        var values = dataLine.Split(';');
        var column = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length && i < values.Length; i++)
        {
            if (names[i].Length > 0) column[names[i]] = values[i];
        }

        long Count(string name) =>
            column.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new FormatException($"SIPp statistics: column {name} missing or not a number");

        double Rate(string name) =>
            column.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var r)
                ? r
                : 0;

        return new SippStats(
            CallsCreated: Count("TotalCallCreated"),
            SuccessfulCalls: Count("SuccessfulCall(C)"),
            FailedCalls: Count("FailedCall(C)"),
            CurrentCalls: Count("CurrentCall"),
            Retransmissions: Count("Retransmissions(C)"),
            FailedUnexpectedMessage: Count("FailedUnexpectedMessage(C)"),
            FailedTimeoutOnReceive: Count("FailedTimeoutOnRecv(C)"),
            FailedMaxUdpRetransmissions: Count("FailedMaxUDPRetrans(C)"),
            OutOfCallMessages: Count("OutOfCallMsgs(C)"),
            CallRate: Rate("CallRate(C)"),
            Elapsed: column.TryGetValue("ElapsedTime(C)", out var elapsed) && TimeSpan.TryParse(elapsed, CultureInfo.InvariantCulture, out var span)
                ? span
                : TimeSpan.Zero);
    }
}

/// <summary>Response-time percentiles (milliseconds) from SIPp's -trace_rtt file.</summary>
public sealed record ResponseTimes(int Count, double P50, double P90, double P95, double P99, double Max)
{
    /// <summary>Parses "Date_ms;response_time_ms;rtd_no" lines; null when no call measured one.</summary>
    public static ResponseTimes? FromRttFile(string csv)
    {
        var samples = new List<double>();
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(';');
            if (fields.Length >= 2 && double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                samples.Add(ms);
            }
        }
        return From(samples);
    }

    public static ResponseTimes? From(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) return null;
        var sorted = samples.Order().ToArray();
        return new ResponseTimes(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0) throw new ArgumentException("no samples", nameof(sorted));
        if (percent is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent));
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
