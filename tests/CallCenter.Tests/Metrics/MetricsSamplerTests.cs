using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using CallCenter.Agents;
using CallCenter.History;
using CallCenter.Silo.Metrics;
using CallCenter.Stats;
using CallCenter.Telephony.Gateway.Metrics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Prometheus;

namespace CallCenter.Tests.Metrics;

public sealed class MetricsSamplerTests
{
    private static readonly string[] QueueNames = ["sales", "support", "vip", "billing", "hotline-bj", "hotline-sh"];
    private static readonly string?[] RegionNames = [null, "bj", "sh", "gd"];

    private static Gen<PeriodCounters> Counters(DateTimeOffset start) =>
        from offered in Gen.Choose(0, 500)
        from answered in Gen.Choose(0, 500)
        from abandoned in Gen.Choose(0, 100)
        from within in Gen.Choose(0, 500)
        from wait in Gen.Choose(0, 100_000)
        from handled in Gen.Choose(0, 500)
        from handle in Gen.Choose(0, 100_000)
        select new PeriodCounters
        {
            Start = start, Offered = offered, Answered = answered, Abandoned = abandoned,
            AnsweredWithinThreshold = Math.Min(within, answered), TotalAnswerWaitSeconds = wait,
            Handled = handled, TotalHandleSeconds = handle,
        };

    private static Gen<CenterStatistics> Statistics()
    {
        var at = new DateTimeOffset(2026, 11, 23, 10, 7, 0, TimeSpan.Zero);
        var (day, interval) = PeriodCounter.PeriodStarts(at);
        var queue =
            from id in Gen.Elements(QueueNames)
            from region in Gen.Elements(RegionNames)
            from waiting in Gen.Choose(0, 50)
            from ringing in Gen.Choose(0, 10)
            from oldest in Gen.Choose(0, 600)
            from ready in Gen.Choose(0, 20)
            from loggedIn in Gen.Choose(0, 40)
            from today in Counters(day)
            from now in Counters(interval)
            select new QueueStatistics
            {
                QueueId = id, Region = region, At = at, CallsWaiting = waiting, CallsRinging = ringing,
                OldestWaitSeconds = oldest, AgentsReady = ready, AgentsLoggedIn = loggedIn,
                ServiceLevelThresholdSeconds = 20, Today = today, Interval = now,
            };
        var agents =
            from counts in Gen.ArrayOf(Gen.Choose(0, 30), 7)
            select Enum.GetValues<AgentState>().Where(s => s != AgentState.LoggedOut)
                .Select((s, i) => (s, counts[i])).Where(p => p.Item2 > 0).ToImmutableDictionary(p => p.s, p => p.Item2);
        return
            from queues in Gen.ListOf(queue)
            from regionAgents in Gen.ArrayOf(agents, 3)
            from extra in agents
            from center in Counters(day)
            select Build(at, day, interval, queues, regionAgents, extra, center);
    }

    private static CenterStatistics Build(DateTimeOffset at, DateTimeOffset day, DateTimeOffset interval, IEnumerable<QueueStatistics> queues,
        ImmutableDictionary<AgentState, int>[] regionAgents, ImmutableDictionary<AgentState, int> extra, PeriodCounters center)
    {
        var byId = queues.GroupBy(q => q.QueueId).ToImmutableDictionary(g => g.Key, g => g.First());
        var regions = new[] { "bj", "sh", "gd" }.Select((r, i) => (r, i)).ToImmutableDictionary(p => p.r, p => new ScopeStatistics
        {
            Scope = p.r, AgentsByState = regionAgents[p.i], Today = center, Interval = new PeriodCounters { Start = interval },
        });
        var all = Enum.GetValues<AgentState>().ToImmutableDictionary(s => s, s => regions.Values.Sum(r => r.AgentsByState.GetValueOrDefault(s)) + extra.GetValueOrDefault(s));
        return new CenterStatistics(at, new ScopeStatistics { Scope = "center", AgentsByState = all, Today = center, Interval = new PeriodCounters { Start = interval } }, regions, byId);
    }

    [Property(MaxTest = 200)]
    public Property Samples_carry_only_bounded_labels_and_the_statistics_values() =>
        Prop.ForAll(Statistics().ToArbitrary(), stats =>
        {
            var samples = CenterGaugeSamples.From(stats);
            var allowedValues = QueueNames.Concat(RegionNames.OfType<string>())
                .Concat([CallCenterMeter.NoRegion, CenterGaugeSamples.Today, CenterGaugeSamples.Interval])
                .Concat(CenterGaugeSamples.AgentStates.Select(s => s.Label)).ToHashSet();
            string[] allowedLabels = ["queue", "region", "period", "state"];
            var labelsOk = samples.All(s => s.Family.LabelNames.All(allowedLabels.Contains)
                && s.LabelValues.Length == s.Family.LabelNames.Length && s.LabelValues.All(allowedValues.Contains));
            var bounded = samples.Count <= CenterGaugeSamples.MaxSeries(stats.Queues.Count, stats.Regions.Count);
            var unique = samples.Select(s => (s.Family.Name, string.Join("|", s.LabelValues))).Distinct().Count() == samples.Count;
            var waitingOk = stats.Queues.Values.All(q =>
                samples.Single(s => s.Family == CenterGaugeSamples.CallsWaiting && s.LabelValues[0] == q.QueueId).Value == q.CallsWaiting
                && samples.Single(s => s.Family == CenterGaugeSamples.ServiceLevel && s.LabelValues[0] == q.QueueId && s.LabelValues[2] == "today").Value == q.Today.ServiceLevel);
            var agentsOk = CenterGaugeSamples.AgentStates.All(a =>
                samples.Where(s => s.Family == CenterGaugeSamples.Agents && s.LabelValues[1] == a.Label).Sum(s => s.Value)
                == stats.Center.AgentsByState.GetValueOrDefault(a.State));
            return (labelsOk && bounded && unique && waitingOk && agentsOk)
                .Label($"labels {labelsOk} bounded {bounded} unique {unique} waiting {waitingOk} agents {agentsOk}");
        });

    [Property(MaxTest = 300)]
    public Property Exactly_one_active_silo_exports_the_center_gauges(NonEmptyArray<NonEmptyString> silos) =>
        Prop.ForAll(Gen.Constant(silos.Get.Select(s => s.Get).Distinct().ToArray()).ToArbitrary(), active =>
            active.Count(s => ExporterElection.IsExporter(s, active)) == 1
            && !ExporterElection.IsExporter("not-a-member", active.Where(s => s != "not-a-member")));

    [Fact]
    public void No_silo_exports_when_none_is_active() => Assert.False(ExporterElection.IsExporter("S127.0.0.1:11111:1", []));

    [Fact]
    public async Task Publishing_removes_series_of_queues_that_are_gone_and_clear_removes_all()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var gauges = new CenterGauges(registry);
        var generator = Statistics();
        var stats = generator.Sample(10, 20).First(s => s.Queues.Count >= 2);
        gauges.Publish(CenterGaugeSamples.From(stats));
        var before = await Export(registry);
        var dropped = stats.Queues.Keys.First();
        Assert.Contains($"queue=\"{dropped}\"", before);

        gauges.Publish(CenterGaugeSamples.From(stats with { Queues = stats.Queues.Remove(dropped) }));
        var after = await Export(registry);
        Assert.DoesNotContain($"queue=\"{dropped}\"", after);
        Assert.Contains("callcenter_center_gauges_exporter 1", after);

        gauges.Clear();
        var cleared = await Export(registry);
        Assert.DoesNotContain("callcenter_calls_waiting{", cleared);
        Assert.Contains("callcenter_center_gauges_exporter 0", cleared);
    }

    [Fact]
    public void Queue_counters_are_labelled_by_queue_and_region_only()
    {
        var seen = new List<(string Instrument, string[] Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CallCenterMeter.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            lock (seen) seen.Add((instrument.Name, [.. tags.ToArray().Select(t => $"{t.Key}={t.Value}")]));
        });
        listener.Start();
        var queue = $"q-{Guid.NewGuid():N}";
        foreach (var kind in Enum.GetValues<QueueEventKind>())
        {
            CallCenterMeter.QueueEvent(queue, null, kind);
        }
        List<(string Instrument, string[] Tags)> mine;
        lock (seen) mine = seen.Where(s => s.Tags.Contains($"queue={queue}")).ToList();
        Assert.Equal(Enum.GetValues<QueueEventKind>().Length - 1, mine.Count); // Withdrawn is not counted
        Assert.All(mine, m => Assert.Equal([$"queue={queue}", "region=none"], m.Tags));
        Assert.Contains(mine, m => m.Instrument == "calls_offered_total");
        Assert.Contains(mine, m => m.Instrument == "calls_abandoned_total");
    }

    [Property]
    public bool Sip_labels_come_from_closed_sets(NonNull<string> method, int status)
    {
        var m = GatewayMeter.MethodLabel(method.Get);
        var c = GatewayMeter.StatusClassLabel(status);
        return (m == "other" || GatewayMeter.KnownMethods.Contains(m))
            && (c == "other" ? status is < 100 or > 699 : c == $"{status / 100}xx");
    }

    [Fact]
    public void Bad_metrics_options_are_refused_with_the_key_named()
    {
        var errors = new MetricsOptions { Port = 70000, ListenAddress = "localhost-ish", SampleSeconds = 0 }.Validate();
        Assert.Contains(errors, e => e.Contains("CallCenter:Metrics:Port"));
        Assert.Contains(errors, e => e.Contains("CallCenter:Metrics:ListenAddress"));
        Assert.Contains(errors, e => e.Contains("CallCenter:Metrics:SampleSeconds"));
        Assert.Empty(new MetricsOptions().Validate());
    }

    private static async Task<string> Export(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
