using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Hosting;

namespace CallCenter.Telephony.Gateway.Metrics;

/// <summary>
/// The SIP media gateway's .NET meter (exported as callcenter_gateway_*): SIP requests by method
/// and responses by status class, transactions and dialogs live, callers by stage, RTP legs and
/// packets, and how late the media loop runs. Labels are closed sets (methods we know, status
/// classes, stages), never a call id or an address. Live figures are read from the running
/// gateways when Prometheus scrapes; a process with several gateways (tests) reports their sum.
/// </summary>
public static class GatewayMeter
{
    public const string Name = "callcenter.gateway";

    /// <summary>Methods counted by name; anything else counts as "other" so a peer cannot invent series.</summary>
    public static readonly FrozenSet<string> KnownMethods = FrozenSet.ToFrozenSet(
        ["INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "INFO", "UPDATE", "PRACK", "REFER", "NOTIFY", "SUBSCRIBE", "MESSAGE", "PUBLISH"],
        StringComparer.Ordinal);

    /// <summary>Bucket bounds for the media loop's lag behind its 20 ms schedule, from 0.1 ms to a second.</summary>
    public static readonly double[] LoopLagBuckets = [0.000_1, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.1, 0.25, 1];

    private static readonly ConcurrentDictionary<GatewayHost, byte> Gateways = new();

    public static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("sip_requests_total", "{request}",
        "SIP requests received, by method.");
    private static readonly Counter<long> Responses = Meter.CreateCounter<long>("sip_responses_total", "{response}",
        "SIP responses sent, by status class (1xx-6xx).");
    private static readonly Histogram<double> LoopLag = Meter.CreateHistogram<double>("media_loop_lag_seconds", "s",
        "How far behind its schedule a media pacing tick ran.");

    static GatewayMeter()
    {
        Meter.CreateObservableGauge("sip_transactions", () => Sum(
            (g => g.UserAgent?.Counters.ClientTransactions ?? 0, new KeyValuePair<string, object?>("kind", "client")),
            (g => g.UserAgent?.Counters.ServerTransactions ?? 0, new KeyValuePair<string, object?>("kind", "server"))),
            "{transaction}", "SIP transactions alive (including those waiting out RFC 3261 timers).");
        Meter.CreateObservableGauge("sip_dialogs", () => Sum(
            (g => g.UserAgent?.Counters.Dialogs ?? 0, default)),
            "{dialog}", "SIP calls (early or confirmed dialogs) that have not ended.");
        Meter.CreateObservableCounter("sip_calls_total", () => Sum(
            (g => g.UserAgent?.Counters.IncomingCalls ?? 0, new KeyValuePair<string, object?>("direction", "incoming")),
            (g => g.UserAgent?.Counters.OutgoingCalls ?? 0, new KeyValuePair<string, object?>("direction", "outgoing"))),
            "{call}", "SIP calls (INVITEs) received and placed.");
        Meter.CreateObservableCounter("sip_malformed_total", () => Sum(
            (g => g.UserAgent?.Counters.MalformedDropped ?? 0, default)),
            "{message}", "SIP messages that could not be parsed.");
        Meter.CreateObservableGauge("calls", CallsByStage, "{call}", "Callers in the gateway by stage.");
        Meter.CreateObservableGauge("agent_lines", () => Sum(
            (g => g.Control?.RegisteredAgents ?? 0, default)),
            "{line}", "Agents' phones registered with the gateway.");
        Meter.CreateObservableGauge("rtp_legs", () => Sum(
            (g => g.Media?.ActiveLegs ?? 0, default)),
            "{leg}", "RTP legs open (one per caller, agent phone or outgoing call).");
        Meter.CreateObservableCounter("rtp_packets_total", () => Sum(
            (g => g.Media?.Counters.PacketsReceived ?? 0, new KeyValuePair<string, object?>("direction", "received")),
            (g => g.Media?.Counters.PacketsSent ?? 0, new KeyValuePair<string, object?>("direction", "sent"))),
            "{packet}", "RTP packets received and sent.");
        Meter.CreateObservableCounter("media_ticks_total", () => Sum(
            (g => g.Media?.Counters.Ticks ?? 0, new KeyValuePair<string, object?>("outcome", "run")),
            (g => g.Media?.Counters.LateTicks ?? 0, new KeyValuePair<string, object?>("outcome", "late")),
            (g => g.Media?.Counters.SkippedTicks ?? 0, new KeyValuePair<string, object?>("outcome", "skipped"))),
            "{tick}", "Media pacing ticks: run, run a packet time or more late, skipped.");
        Meter.CreateObservableCounter("media_send_errors_total", () => Sum(
            (g => g.Media?.Counters.SendErrors ?? 0, default)),
            "{packet}", "RTP packets the socket refused to send.");
    }

    /// <summary>Lets the live instruments read this gateway until the returned handle is disposed.</summary>
    public static IDisposable Track(GatewayHost gateway)
    {
        Gateways[gateway] = 0;
        return new Untrack(gateway);
    }

    /// <summary>The label value of a request method: the method itself when known, "other" otherwise.</summary>
    public static string MethodLabel(string method) => KnownMethods.Contains(method) ? method : "other";

    /// <summary>The label value of a status code: "1xx" to "6xx"; "other" for a code outside 100-699.</summary>
    public static string StatusClassLabel(int statusCode) => statusCode is >= 100 and <= 699 ? $"{statusCode / 100}xx" : "other";

    public static void RequestReceived(string method)
    {
        if (Requests.Enabled)
        {
            Requests.Add(1, new KeyValuePair<string, object?>("method", MethodLabel(method)));
        }
    }

    public static void ResponseSent(int statusCode)
    {
        if (Responses.Enabled)
        {
            Responses.Add(1, new KeyValuePair<string, object?>("status_class", StatusClassLabel(statusCode)));
        }
    }

    public static void MediaLoopLag(TimeSpan lag) => LoopLag.Record(lag.TotalSeconds);

    private static IEnumerable<Measurement<long>> CallsByStage()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var phase in Enum.GetValues<CallerPhase>())
        {
            counts[StageLabel(phase)] = 0;
        }
        counts["callback"] = 0;
        foreach (var gateway in Gateways.Keys)
        {
            foreach (var caller in gateway.Control?.Callers ?? [])
            {
                var stage = caller is CallerSession session ? StageLabel(session.Phase) : "callback";
                counts[stage]++;
            }
        }
        return counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("stage", c.Key)));
    }

    private static string StageLabel(CallerPhase phase) => phase.ToString().ToLowerInvariant();

    private static IEnumerable<Measurement<long>> Sum(params (Func<GatewayHost, long> Read, KeyValuePair<string, object?> Label)[] series)
    {
        var measurements = new List<Measurement<long>>(series.Length);
        foreach (var (read, label) in series)
        {
            var total = 0L;
            foreach (var gateway in Gateways.Keys)
            {
                total += read(gateway);
            }
            measurements.Add(label.Key is null ? new Measurement<long>(total) : new Measurement<long>(total, label));
        }
        return measurements;
    }

    private sealed class Untrack(GatewayHost gateway) : IDisposable
    {
        public void Dispose() => Gateways.TryRemove(gateway, out _);
    }
}
