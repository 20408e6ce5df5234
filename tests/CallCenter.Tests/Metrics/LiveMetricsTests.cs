using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallCenter.Silo;
using CallCenter.Stats;
using CallCenter.Telephony.Gateway.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CallCenter.Tests.Metrics;

/// <summary>The embedded silo (demo center, demo traffic, SIP gateway with two demo phones) with its /metrics endpoint, all on free loopback ports.</summary>
public sealed class LiveSiloFixture : IAsyncLifetime
{
    private IHost? _host;

    public int MetricsPort { get; private set; }

    public string MetricsUrl => $"http://127.0.0.1:{MetricsPort}/metrics";

    public async Task InitializeAsync()
    {
        MetricsPort = FreeTcpPort();
        string[] args =
        [
            "--silo-port", FreeTcpPort().ToString(), "--gateway-port", FreeTcpPort().ToString(),
            "--sip-port", FreeSipPort().ToString(), "--metrics-port", MetricsPort.ToString(),
            "--summary-seconds", "0", "--calls-per-minute", "600", "--demo-agents", "2",
            "--CallCenter:Metrics:SampleSeconds", "0.5", "--CallCenter:Gateway:RecordCalls", "false",
        ];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, SiloHostExtensions.SwitchMappings);
        var errors = builder.AddCallCenterOptions();
        Assert.Empty(errors);
        builder.AddCallCenterSilo();
        builder.AddDemoCenter();
        builder.AddSipGateway();
        builder.AddCallCenterMetrics();
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(20));
            _host.Dispose();
        }
    }

    /// <summary>Scrapes /metrics until every wanted series has appeared (demo traffic needs a few seconds) or the wait runs out.</summary>
    public async Task<string> ScrapeUntilAsync(IEnumerable<string> wanted, TimeSpan wait)
    {
        using var http = new HttpClient();
        var deadline = Stopwatch.StartNew();
        var text = "";
        while (deadline.Elapsed < wait)
        {
            text = await http.GetStringAsync(MetricsUrl);
            if (wanted.All(w => Regex.IsMatch(text, $"^{Regex.Escape(w)}[{{ ]", RegexOptions.Multiline)))
            {
                break;
            }
            await Task.Delay(500);
        }
        return text;
    }

    public static int FreeTcpPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static int FreeSipPort()
    {
        // The gateway listens on both UDP and TCP: find a port free for both.
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeTcpPort();
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }
}

public sealed class LiveMetricsTests(LiveSiloFixture silo) : IClassFixture<LiveSiloFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    private static readonly string[] Expected =
    [
        "callcenter_calls_waiting", "callcenter_service_level_ratio", "callcenter_agents", "callcenter_calls_offered_total",
        "callcenter_calls_answered_total", "callcenter_routing_decision_seconds_bucket", "callcenter_center_gauges_exporter",
        "callcenter_gateway_sip_requests_total", "callcenter_gateway_rtp_legs", "microsoft_orleans_orleans_catalog_activations",
        "process_cpu_seconds_total",
    ];

    [Fact]
    public async Task The_silo_endpoint_serves_contact_center_gateway_orleans_and_runtime_metrics()
    {
        var text = await silo.ScrapeUntilAsync(Expected, Wait);
        foreach (var name in Expected)
        {
            Assert.Matches(new Regex($"^{Regex.Escape(name)}[{{ ]", RegexOptions.Multiline), text);
        }
        Assert.Matches(new Regex("^callcenter_calls_offered_total\\{queue=\"[^\"]+\",region=\"[^\"]+\"\\} [1-9]", RegexOptions.Multiline), text);
        Assert.Matches(new Regex("^callcenter_gateway_sip_requests_total\\{method=\"REGISTER\"\\} [1-9]", RegexOptions.Multiline), text);
        // Labels stay bounded: no call or agent id in any callcenter_ series.
        Assert.DoesNotMatch(new Regex("^callcenter_[^ ]*(call_id|agent_id|=\"agent:|=\"call:|=\"[a-z]{2}-[0-9]{2}\")", RegexOptions.Multiline), text);
    }

    [Fact]
    public async Task Debians_prometheus_scrapes_the_silo_and_answers_queries_for_callcenter_metrics()
    {
        const string binary = "/usr/bin/prometheus";
        if (!File.Exists(binary))
        {
            Assert.True(Environment.GetEnvironmentVariable("CALLCENTER_REQUIRE_PROMETHEUS") != "1",
                $"{binary} is missing and CALLCENTER_REQUIRE_PROMETHEUS=1: run scripts/metrics-tools.sh install");
            Console.WriteLine($"SKIPPED: {binary} is missing (scripts/metrics-tools.sh install); the Prometheus round trip was not checked.");
            return;
        }
        await silo.ScrapeUntilAsync(["callcenter_calls_offered_total", "callcenter_calls_waiting"], Wait);

        var folder = Directory.CreateTempSubdirectory("callcenter-prometheus-");
        var port = LiveSiloFixture.FreeTcpPort();
        var config = Path.Combine(folder.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: callcenter-silo
                static_configs:
                  - targets: ["127.0.0.1:{silo.MetricsPort}"]
            """);
        using var prometheus = Process.Start(new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
            },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        var log = new System.Text.StringBuilder();
        prometheus.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        prometheus.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient();
            var found = new Dictionary<string, double>();
            string[] queries = ["sum(callcenter_calls_offered_total)", "count(callcenter_calls_waiting)", "count(callcenter_agents)", "count(microsoft_orleans_orleans_catalog_activations)"];
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Wait && found.Count < queries.Length && !prometheus.HasExited)
            {
                foreach (var query in queries.Where(q => !found.ContainsKey(q)))
                {
                    try
                    {
                        var json = await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(query)}");
                        using var doc = JsonDocument.Parse(json);
                        var result = doc.RootElement.GetProperty("data").GetProperty("result");
                        if (result.GetArrayLength() > 0 && double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture) is var value and > 0)
                        {
                            found[query] = value;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // Prometheus is still starting.
                    }
                }
                await Task.Delay(500);
            }
            string output;
            lock (log) output = log.ToString();
            Assert.True(found.Count == queries.Length,
                $"Prometheus answered {string.Join(", ", found.Select(f => $"{f.Key} = {f.Value}"))}; missing {string.Join(", ", queries.Except(found.Keys))}. Its log:\n{output}");
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
                await prometheus.WaitForExitAsync();
            }
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Every_metric_the_dashboards_query_exists()
    {
        var text = await silo.ScrapeUntilAsync(Expected, Wait);
        var known = Regex.Matches(text, "^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        // Counters and histograms appear in /metrics only after their first event (a demo minute may
        // have no abandoned call); they count as existing when our meters declare them.
        known.UnionWith(DeclaredNames());
        known.Add("up"); // Prometheus' own per-target series
        var folder = Path.Combine(RepositoryRoot(), "deploy", "grafana");
        var files = Directory.GetFiles(folder, "*.json");
        Assert.NotEmpty(files);
        var missing = new List<string>();
        var checkedNames = 0;
        foreach (var file in files)
        {
            foreach (var expr in Expressions(JsonDocument.Parse(File.ReadAllText(file)).RootElement))
            {
                foreach (var name in MetricNames(expr))
                {
                    checkedNames++;
                    if (!known.Contains(name))
                    {
                        missing.Add($"{Path.GetFileName(file)}: {name} in {expr}");
                    }
                }
            }
        }
        Assert.True(checkedNames > 20, $"only {checkedNames} metric names found in the dashboards");
        Assert.True(missing.Count == 0, "Dashboards query metrics that do not exist:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void A_dashboard_query_naming_an_unknown_metric_is_caught()
    {
        Assert.Equal(["callcenter_calls_wating", "callcenter_agents"],
            MetricNames("sum by (queue) (rate(callcenter_calls_wating{queue=~\"$queue\",period=\"today\"}[5m])) / on(queue) callcenter_agents"));
        Assert.Equal(["callcenter_calls_waiting"], MetricNames("label_values(callcenter_calls_waiting{region=~\"$region\"}, queue)"));
    }

    private static readonly HashSet<string> PromQlWords =
    [
        "sum", "count", "max", "min", "avg", "rate", "increase", "irate", "by", "without", "on", "ignoring", "group_left", "group_right",
        "histogram_quantile", "label_values", "topk", "bottomk", "abs", "clamp_min", "clamp_max", "and", "or", "unless", "offset", "bool",
        "time", "vector", "scalar", "delta", "deriv", "le",
    ];

    /// <summary>Metric names in a PromQL expression: identifiers outside label matchers, by (...) lists and strings, that are not functions or keywords.</summary>
    public static IReadOnlyList<string> MetricNames(string expr)
    {
        var text = Regex.Replace(expr, "\"[^\"]*\"", "\"\"");
        // Grafana's label_values(metric, label): the second argument is a label.
        text = Regex.Replace(text, "label_values\\((.*),\\s*\\w+\\s*\\)", "label_values($1)");
        text = Regex.Replace(text, "\\{[^}]*\\}", "");
        text = Regex.Replace(text, "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1");
        text = Regex.Replace(text, "\\[[^\\]]*\\]", "");
        return Regex.Matches(text, "(?<![\\w.$:])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\\w:])(?!\\s*\\()")
            .Select(m => m.Value).Where(n => !PromQlWords.Contains(n) && !Regex.IsMatch(n, "^\\d")).Distinct().ToList();
    }

    private static IEnumerable<string> Expressions(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "expr" or "definition" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return property.Value.GetString()!;
                    }
                    else
                    {
                        foreach (var e in Expressions(property.Value)) yield return e;
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var e in Expressions(item)) yield return e;
                }
                break;
        }
    }

    private static HashSet<string> DeclaredNames()
    {
        var names = new HashSet<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name is CallCenterMeter.Name or GatewayMeter.Name)
            {
                var name = $"{instrument.Meter.Name}_{instrument.Name}".Replace('.', '_');
                names.Add(name);
                if (instrument is Histogram<double>)
                {
                    names.UnionWith([$"{name}_bucket", $"{name}_sum", $"{name}_count"]);
                }
            }
        };
        listener.Start();
        return names;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CallCenter.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("CallCenter.sln not found above " + AppContext.BaseDirectory);
    }
}
