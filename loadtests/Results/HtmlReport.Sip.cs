using System.Text;

namespace CallCenter.LoadTests.Results;

/// <summary>The SIP stepped-rate section: SIPp's figures per step, a rate chart and a response-time chart.</summary>
public static partial class HtmlReport
{
    /// <summary>A report holding only a SIP run (<c>report --sip DIR</c>).</summary>
    public static string RenderSip(SipBench sip)
    {
        var html = Head($"SIP load test: {Path.GetFileName(Path.TrimEndingDirectorySeparator(sip.Folder))}");
        SipSection(html, sip);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void SipSection(StringBuilder html, SipBench sip)
    {
        var steps = sip.Steps;
        html.Append("<h2>SIP stepped-rate benchmark</h2>\n<p>SIPp (uac-basic) at a fixed call rate per step against the gateway; figures from SIPp's statistics and response-time files in ")
            .Append(E(sip.Folder)).Append(". Highest rate without a failed call: <b>").Append(sip.HighestZeroFailureCps).Append(" calls/s</b>.</p>\n");
        html.Append("<table><tr><th>offered calls/s</th><th>calls</th><th>successful</th><th>failed</th><th>achieved calls/s</th>")
            .Append("<th>INVITE→200 p50 / p95 / p99 / max ms</th><th>peak concurrent</th><th>gateway CPU %</th><th>gateway RSS MiB</th></tr>\n");
        foreach (var s in steps)
        {
            html.Append("<tr><td>").Append(s.OfferedCps).Append("</td>").Append(Cell(s.Calls)).Append(Cell(s.Successful))
                .Append("<td class=\"").Append(s.Failed == 0 ? "ok" : "bad").Append("\">").Append(s.Failed).Append("</td><td>")
                .Append(Num(s.AchievedCps, "0.#")).Append("</td><td>")
                .Append(s.ResponseMs is { } r ? $"{Num(r.P50, "0.#")} / {Num(r.P95, "0.#")} / {Num(r.P99, "0.#")} / {Num(r.Max, "0.#")}" : "-")
                .Append("</td>").Append(Cell(s.PeakConcurrent))
                .Append("<td>").Append(s.TargetCpuPercent is { } cpu ? Num(cpu, "0.0") : "-").Append("</td>")
                .Append("<td>").Append(s.TargetPeakRssMib is { } rss ? Num(rss, "0.0") : "-").Append("</td></tr>\n");
        }
        html.Append("</table>\n");
        var labels = steps.Select(s => $"{s.OfferedCps}/s").ToList();
        html.Append("<h3>Calls per second by step</h3>\n");
        html.Append(LineChart(labels,
        [
            new Series("offered calls/s", "#1f77b4", [.. steps.Select(s => (double)s.OfferedCps)]),
            new Series("achieved calls/s", "#2ca02c", [.. steps.Select(s => s.AchievedCps)]),
            new Series("failed calls", "#d62728", [.. steps.Select(s => (double)s.Failed)]),
            new Series("peak concurrent calls", "#9467bd", [.. steps.Select(s => (double)s.PeakConcurrent)]),
        ], fraction: false));
        if (steps.Any(s => s.ResponseMs is not null))
        {
            html.Append("<h3>INVITE to 200 response time (ms) by step</h3>\n");
            html.Append(LineChart(labels,
            [
                new Series("p50", "#2ca02c", [.. steps.Select(s => s.ResponseMs?.P50 ?? 0)]),
                new Series("p95", "#ff7f0e", [.. steps.Select(s => s.ResponseMs?.P95 ?? 0)]),
                new Series("p99", "#d62728", [.. steps.Select(s => s.ResponseMs?.P99 ?? 0)]),
            ], fraction: false));
        }
    }
}
