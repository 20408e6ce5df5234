using System.Globalization;
using System.Net;
using System.Text;

namespace CallCenter.LoadTests.Results;

/// <summary>
/// The report a load tester reads: one self-contained HTML file (inline CSS and SVG, nothing to
/// download) with the headline figures, offered / answered / abandoned per interval, service
/// level and occupancy over time, the wait distribution, and tables per region and per queue
/// with the queueing models beside the measured figures where they apply.
/// </summary>
public static partial class HtmlReport
{
    private const int Width = 900;
    private const int Height = 240;
    private const int Left = 56;
    private const int Right = 16;
    private const int Top = 16;
    private const int Bottom = 36;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <param name="sip">A stepped-rate SIPp run to add as a section (simulate --sip DIR).</param>
    public static string Render(SimulationResult r, SipBench? sip = null)
    {
        var title = $"Load test: {r.ScenarioName ?? r.Scenario ?? "scenario"}";
        var html = Head(title);
        Headline(html, r);
        var labels = r.Intervals.Select(i => Clock(i.StartSeconds)).ToList();
        if (r.Intervals.Count > 0)
        {
            html.Append("<h2>Calls per interval (").Append(Num(r.IntervalSeconds / 60, "0.#")).Append(" min, by arrival)</h2>\n");
            html.Append(LineChart(labels,
            [
                new Series("offered", "#1f77b4", [.. r.Intervals.Select(i => (double)i.Offered)]),
                new Series("answered", "#2ca02c", [.. r.Intervals.Select(i => (double)i.Answered)]),
                new Series("abandoned", "#d62728", [.. r.Intervals.Select(i => (double)i.Abandoned)]),
                new Series("other outcomes", "#9467bd", [.. r.Intervals.Select(i => (double)i.OtherOutcomes)]),
            ], fraction: false));
            html.Append("<h2>Service level over time</h2>\n");
            html.Append(LineChart(labels, [new Series("service level", "#ff7f0e", [.. r.Intervals.Select(i => i.ServiceLevel)])], fraction: true));
            html.Append("<h2>Agent occupancy</h2>\n<p>Talk, hold and wrap-up time over all ").Append(r.Agents)
                .Append(" agents' time in each interval.</p>\n");
            html.Append(LineChart(labels, [new Series("occupancy", "#17becf", [.. r.Intervals.Select(i => i.Occupancy)])], fraction: true));
        }
        if (r.WaitDistribution.Count > 0)
        {
            html.Append("<h2>Wait-time distribution (answered calls)</h2>\n");
            html.Append(BarChart(
                [.. r.WaitDistribution.Select(b => b.ToSeconds is { } to ? $"{Num(b.FromSeconds, "0")}-{Num(to, "0")} s" : $"{Num(b.FromSeconds, "0")}+ s")],
                [.. r.WaitDistribution.Select(b => (double)b.Calls)]));
        }
        RegionTable(html, r);
        QueueTable(html, r);
        if (r.InvariantDetails.Count > 0)
        {
            html.Append("<h2 class=\"bad\">Invariant violations</h2><ul>");
            foreach (var detail in r.InvariantDetails)
            {
                html.Append("<li>").Append(E(detail)).Append("</li>");
            }
            html.Append("</ul>\n");
        }
        if (sip is not null)
        {
            SipSection(html, sip);
        }
        html.Append("<p><small>Times are scenario time unless marked wall. Service level = answered within the threshold / (answered + abandoned after it).</small></p>\n");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static StringBuilder Head(string title)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:980px}")
            .Append("table{border-collapse:collapse;margin:8px 0 24px}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}")
            .Append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
            .Append(".bad{color:#b00;font-weight:bold}.ok{color:#070}svg{background:#fcfcfc;border:1px solid #eee}")
            .Append(".legend span{display:inline-block;margin-right:16px}.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}")
            .Append("</style></head><body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n");
        return html;
    }

    private static void Headline(StringBuilder html, SimulationResult r)
    {
        var d = r.DecisionLatencyMs;
        html.Append("<table>");
        Row(html, "scenario time / wall time", $"{Num(r.ScenarioSeconds, "0")} s / {Num(r.WallSeconds, "0.0")} s (speed {Num(r.Speed, "0.##")}, {r.Mode})");
        Row(html, "calls per wall-second", $"{Num(r.CallsPerWallSecond, "0.0")} over the run; {Num(r.ArrivalPhase?.EndedPerWallSecond ?? 0, "0.0")} while calls arrived");
        Row(html, "offered / answered / abandoned", $"{r.Offered} / {r.Answered} / {r.Abandoned}");
        Row(html, "overflowed / other outcomes", $"{r.Overflowed} / {string.Join(", ", r.OtherOutcomes.Where(o => o.Value > 0).Select(o => $"{o.Key} {o.Value}").DefaultIfEmpty("0"))}");
        html.Append("<tr><td>lost / invariant violations / duplicate records</td><td class=\"")
            .Append(r.Lost == 0 && r.InvariantViolations == 0 && r.DuplicateCdrs == 0 ? "ok" : "bad").Append("\">")
            .Append(r.Lost).Append(" / ").Append(r.InvariantViolations).Append(" / ").Append(r.DuplicateCdrs).Append("</td></tr>");
        Row(html, "routing decision latency (wall ms)", $"p50 {Num(d.P50, "0.###")}, p99 {Num(d.P99, "0.###")}, p99.9 {Num(d.P999, "0.###")}, max {Num(d.Max, "0.###")} (n={d.Samples})");
        if (r.GarbageCollection is { } gc)
        {
            Row(html, "garbage collections (gen0/1/2, pause)", $"{gc.Gen0}/{gc.Gen1}/{gc.Gen2}, {Num(gc.PauseMs, "0")} ms");
        }
        Row(html, "finished", r.FinishReason);
        html.Append("</table>\n");
    }

    private static void RegionTable(StringBuilder html, SimulationResult r)
    {
        var regions = r.Queues
            .GroupBy(q => q.Value.Region ?? q.Key, StringComparer.Ordinal)
            .Select(g => (Region: g.Key, Queues: g.Select(x => x.Value).ToList()))
            .OrderBy(g => g.Region, StringComparer.Ordinal)
            .ToList();
        if (regions.Count < 2)
        {
            return;
        }
        html.Append("<h2>Per region (by the queue a call entered first)</h2>\n<table><tr><th>region</th><th>offered</th><th>answered</th><th>abandoned</th><th>overflowed</th><th>lost</th><th>service level</th><th>ASA s</th><th>AHT s</th></tr>\n");
        foreach (var (region, queues) in regions)
        {
            var answered = queues.Sum(q => q.Answered);
            var counted = answered + queues.Sum(q => q.AbandonedAfterThreshold);
            var serviceLevel = counted == 0 ? 1 : (double)queues.Sum(q => q.AnsweredWithinServiceLevel) / counted;
            var asa = answered == 0 ? 0 : queues.Sum(q => q.AsaSeconds * q.Answered) / answered;
            var aht = answered == 0 ? 0 : queues.Sum(q => q.AhtSeconds * q.Answered) / answered;
            html.Append("<tr><td>").Append(E(region)).Append("</td>")
                .Append(Cell(queues.Sum(q => q.Offered))).Append(Cell(answered)).Append(Cell(queues.Sum(q => q.Abandoned)))
                .Append(Cell(queues.Sum(q => q.Overflowed))).Append(Cell(queues.Sum(q => q.Lost)))
                .Append("<td>").Append(Num(serviceLevel, "0.000")).Append("</td><td>").Append(Num(asa, "0.0")).Append("</td><td>").Append(Num(aht, "0.0")).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void QueueTable(StringBuilder html, SimulationResult r)
    {
        html.Append("<h2>Per queue (entry queue), with the queueing models where they apply</h2>\n<table><tr><th>queue</th><th>offered</th><th>answered</th><th>abandoned</th><th>service level</th><th>ASA s</th><th>AHT s</th><th>wait p50/p90/p99 s</th><th>model</th></tr>\n");
        foreach (var (id, q) in r.Queues)
        {
            html.Append("<tr><td>").Append(E(id)).Append("</td>").Append(Cell(q.Offered)).Append(Cell(q.Answered)).Append(Cell(q.Abandoned))
                .Append("<td>").Append(Num(q.ServiceLevel, "0.000")).Append("</td><td>").Append(Num(q.AsaSeconds, "0.00")).Append("</td><td>").Append(Num(q.AhtSeconds, "0.0"))
                .Append("</td><td>").Append(Num(q.WaitSeconds.P50, "0.0")).Append('/').Append(Num(q.WaitSeconds.P90, "0.0")).Append('/').Append(Num(q.WaitSeconds.P99, "0.0")).Append("</td><td>");
            if (q.ErlangC is { } e)
            {
                html.Append("Erlang C: SL ").Append(Num(e.ServiceLevel, "0.000")).Append(", ASA ").Append(Num(e.AsaSeconds, "0.00")).Append(" s");
            }
            if (q.ErlangA is { } a)
            {
                html.Append("Erlang A: abandon ").Append(Num(a.AbandonProbability, "0.0000")).Append(" (measured ").Append(Num(q.Offered == 0 ? 0 : (double)q.Abandoned / q.Offered, "0.0000"))
                    .Append("), SL ").Append(Num(a.ServiceLevel, "0.000")).Append(", ASA ").Append(Num(a.AsaSeconds, "0.00")).Append(" s");
            }
            html.Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private sealed record Series(string Name, string Color, double[] Values);

    private static string LineChart(IReadOnlyList<string> labels, IReadOnlyList<Series> series, bool fraction)
    {
        var max = fraction ? 1 : NiceMax(series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        var svg = new StringBuilder();
        Frame(svg, labels, max, fraction);
        var n = labels.Count;
        foreach (var s in series)
        {
            svg.Append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").Append(s.Color).Append("\" points=\"");
            for (var i = 0; i < s.Values.Length; i++)
            {
                svg.Append(Num(X(i, n), "0.#")).Append(',').Append(Num(Y(s.Values[i], max), "0.#")).Append(' ');
            }
            svg.Append("\"><title>").Append(E(s.Name)).Append("</title></polyline>\n");
        }
        svg.Append("</svg>\n");
        return Legend(series) + svg;
    }

    private static string BarChart(IReadOnlyList<string> labels, double[] values)
    {
        var max = NiceMax(values.DefaultIfEmpty(0).Max());
        var svg = new StringBuilder();
        Frame(svg, labels, max, fraction: false);
        var n = labels.Count;
        var slot = (Width - Left - Right) / (double)Math.Max(1, n);
        for (var i = 0; i < n; i++)
        {
            var y = Y(values[i], max);
            svg.Append("<rect fill=\"#1f77b4\" x=\"").Append(Num(Left + i * slot + slot * 0.15, "0.#")).Append("\" y=\"").Append(Num(y, "0.#"))
                .Append("\" width=\"").Append(Num(slot * 0.7, "0.#")).Append("\" height=\"").Append(Num(Height - Bottom - y, "0.#"))
                .Append("\"><title>").Append(E(labels[i])).Append(": ").Append(Num(values[i], "0")).Append("</title></rect>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Axes, horizontal grid lines and x labels (thinned to about a dozen).</summary>
    private static void Frame(StringBuilder svg, IReadOnlyList<string> labels, double max, bool fraction)
    {
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" font-size=\"11\" font-family=\"sans-serif\">\n");
        for (var k = 0; k <= 4; k++)
        {
            var value = max * k / 4;
            var y = Y(value, max);
            svg.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(Num(y, "0.#")).Append("\" y2=\"").Append(Num(y, "0.#"))
                .Append("\" stroke=\"#ddd\"/><text x=\"").Append(Left - 6).Append("\" y=\"").Append(Num(y + 4, "0.#")).Append("\" text-anchor=\"end\">")
                .Append(fraction ? Num(value * 100, "0") + "%" : Num(value, "0.##")).Append("</text>\n");
        }
        var n = labels.Count;
        var step = Math.Max(1, (int)Math.Ceiling(n / 12.0));
        for (var i = 0; i < n; i += step)
        {
            svg.Append("<text x=\"").Append(Num(X(i, n), "0.#")).Append("\" y=\"").Append(Height - Bottom + 16).Append("\" text-anchor=\"middle\">").Append(E(labels[i])).Append("</text>\n");
        }
    }

    private static string Legend(IReadOnlyList<Series> series) =>
        "<div class=\"legend\">" + string.Concat(series.Select(s => $"<span><i class=\"sw\" style=\"background:{s.Color}\"></i>{E(s.Name)}</span>")) + "</div>\n";

    /// <summary>Centre of slot <paramref name="i"/> of <paramref name="n"/> across the plot area.</summary>
    private static double X(int i, int n) => Left + (Width - Left - Right) * (i + 0.5) / Math.Max(1, n);

    private static double Y(double value, double max) => Height - Bottom - (Height - Top - Bottom) * (max <= 0 ? 0 : Math.Clamp(value / max, 0, 1));

    /// <summary>1, 2 or 5 times a power of ten at or above <paramref name="value"/>, so that the grid lines read well.</summary>
    internal static double NiceMax(double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1, 2, 4, 5, 10 })
        {
            if (m * power >= value)
            {
                return m * power;
            }
        }
        return 10 * power;
    }

    private static string Clock(double seconds) =>
        $"{(int)(seconds / 3600):00}:{(int)(seconds % 3600 / 60):00}";

    private static void Row(StringBuilder html, string name, string value) =>
        html.Append("<tr><td>").Append(E(name)).Append("</td><td>").Append(E(value)).Append("</td></tr>");

    private static string Cell(long value) => $"<td>{value}</td>";

    private static string Num(double value, string format) => value.ToString(format, C);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
