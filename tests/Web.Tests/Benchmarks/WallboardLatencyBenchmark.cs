using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Hosting;
using CallCenter.Stats;
using CallCenter.Web.Shared;
using CallCenter.Web.Wallboard;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CallCenter.Web.Tests.Benchmarks;

/// <summary>
/// Not a test: a benchmark that prints figures (run with CALLCENTER_WEB_BENCH=1). Fifty wallboard
/// "circuits" (each a render throttle computing the wallboard's tiles, as a circuit does before
/// Blazor diffs and sends them) share one feed, while synthetic presence traffic of a large center
/// floods the statistics grain. A real agent grain is flipped between ready and not-ready; the
/// figure is the time from that state change to each circuit's render that shows it.
/// </summary>
public sealed class WallboardLatencyBenchmark(ITestOutputHelper output)
{
    public const string Variable = "CALLCENTER_WEB_BENCH";
    private const int Circuits = 50;
    private const int SyntheticAgents = 5000;
    /// <summary>About four presence changes per call: 1,000 calls/s.</summary>
    private const int ChangesPerSecond = 4000;
    private const int Probes = 30;

    public sealed class BenchFactAttribute : FactAttribute
    {
        public BenchFactAttribute()
        {
            if (Environment.GetEnvironmentVariable(Variable) != "1")
                Skip = $"a benchmark: set {Variable}=1 to run it";
        }
    }

    [BenchFact]
    public async Task State_change_to_render_for_50_wallboards_under_heavy_traffic()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grains = cluster.Client;

        var feed = new LiveCenterFeed(grains, TimeProvider.System, NullLogger<LiveCenterFeed>.Instance);
        await feed.StartAsync(CancellationToken.None);
        while (feed.Current is null)
            await Task.Delay(20);

        var latencies = new ConcurrentBag<double>();
        // The same change reported straight to the statistics grain: the web's own part of the path.
        var directLatencies = new ConcurrentBag<double>();
        long directSequence = 0;
        long directStarted = 0;
        var directState = AgentState.Ready;
        long probeSequence = 0;
        long probeStarted = 0;
        var probeState = AgentState.Ready;
        var renders = 0L;
        var throttles = Enumerable.Range(0, Circuits).Select(circuit =>
        {
            long seen = 0;
            long seenDirect = 0;
            return new RenderThrottle(TimeProvider.System, TimeSpan.FromMilliseconds(250), () =>
            {
                var view = feed.Current!;
                _ = WallboardFigures.Tiles(WallboardFigures.Scope(view.Statistics, HourlyCalls.CenterKey)!, 0.8, 0.05);
                Interlocked.Increment(ref renders);
                var sequence = Volatile.Read(ref probeSequence);
                if (sequence > seen && view.Agents.TryGetValue("probe", out var probe) && probe.State == probeState)
                {
                    seen = sequence;
                    latencies.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref probeStarted)).TotalMilliseconds);
                }
                var direct = Volatile.Read(ref directSequence);
                if (direct > seenDirect && view.Agents.TryGetValue("direct", out var d) && d.Sequence == direct)
                {
                    seenDirect = direct;
                    directLatencies.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref directStarted)).TotalMilliseconds);
                }
            });
        }).ToList();
        feed.Updated += _ => throttles.ForEach(t => t.Request());

        await grains.GetQueue("bench").Configure(new QueueSettings { Id = "bench" });
        var agent = grains.GetAgent("probe");
        await agent.Configure(new AgentProfile { Id = "probe", Region = "bj", Queues = ImmutableDictionary<string, int>.Empty.Add("bench", 1) });
        await agent.Login(null, ready: true);

        using var stop = new CancellationTokenSource();
        var sent = 0L;
        var load = Task.Run(async () =>
        {
            var statistics = grains.GetCenterStatistics();
            var tick = TimeSpan.FromMilliseconds(50);
            var perTick = ChangesPerSecond / 20;
            var states = new[] { AgentState.Ready, AgentState.Reserved, AgentState.OnCall, AgentState.WrapUp };
            var sequence = 0L;
            while (!stop.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow;
                var batch = Enumerable.Range(0, perTick).Select(_ =>
                {
                    var n = Interlocked.Increment(ref sequence);
                    return new AgentPresenceReport($"sim-{n % SyntheticAgents}", $"r{n % 31}", states[n % states.Length], now, n);
                }).ToList();
                await statistics.ReportAgents(batch);
                Interlocked.Add(ref sent, perTick);
                await Task.Delay(tick);
            }
        });

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Probes; i++)
        {
            // Farther apart than the presence batching, so that every change is its own news.
            await Task.Delay(TimeSpan.FromMilliseconds(800));
            probeState = probeState == AgentState.Ready ? AgentState.NotReady : AgentState.Ready;
            Volatile.Write(ref probeStarted, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref probeSequence);
            if (probeState == AgentState.NotReady)
                await agent.SetNotReady("bench");
            else
                await agent.SetReady();
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            directState = directState == AgentState.Ready ? AgentState.NotReady : AgentState.Ready;
            Volatile.Write(ref directStarted, Stopwatch.GetTimestamp());
            var next = Interlocked.Increment(ref directSequence);
            await grains.GetCenterStatistics().ReportAgents([new AgentPresenceReport("direct", "bj", directState, DateTimeOffset.UtcNow, next)]);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        stop.Cancel();
        await load;
        var elapsed = clock.Elapsed;
        await feed.StopAsync(CancellationToken.None);
        throttles.ForEach(t => t.Dispose());

        var sorted = latencies.Order().ToArray();
        var directSorted = directLatencies.Order().ToArray();
        static double Q(double[] values, double q) => values.Length == 0 ? double.NaN : values[Math.Min(values.Length - 1, (int)(q * values.Length))];
        double P(double q) => Q(sorted, q);
        var report = $"""
            Wallboard latency benchmark: {Circuits} circuits, {ChangesPerSecond} synthetic presence changes/s over {SyntheticAgents} agents ({Volatile.Read(ref sent) / elapsed.TotalSeconds:N0}/s sent)
            probe state changes: {Probes}, renders that showed them: {sorted.Length} (expected {Probes * Circuits})
            state change -> render: p50 {P(0.5):N0} ms, p95 {P(0.95):N0} ms, max {(sorted.Length == 0 ? double.NaN : sorted[^1]):N0} ms
            change reported to the statistics grain -> render (the web's part): p50 {Q(directSorted, 0.5):N0} ms, p95 {Q(directSorted, 0.95):N0} ms ({directSorted.Length} renders)
            renders per circuit per second: {Interlocked.Read(ref renders) / (double)Circuits / elapsed.TotalSeconds:N1}
            (agent state change -> render includes the silo's presence batching (PresenceReporter, 1 s), the grain's push batching ({ICenterStatisticsFeedGrain.PushInterval.TotalMilliseconds} ms) and the circuit's render gap (250 ms); excludes Blazor's diff and the SignalR hop to the browser)
            """;
        output.WriteLine(report);
        var folder = Path.Combine(Hosting.SiloProcess.RepositoryRoot(), "artifacts");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "web-bench.txt"), report);
    }
}
