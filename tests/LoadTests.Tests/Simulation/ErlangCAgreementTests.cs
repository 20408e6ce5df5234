using System.Collections.Immutable;
using System.Globalization;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;
using CallCenter.LoadTests.Theory;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Simulation;

/// <summary>
/// The simulator, driving the real grains in an in-process silo, agrees with Erlang C where the
/// model holds: Poisson arrivals (λ = 0.5/s), exponential handle times (mean 20 s, so A = 10
/// Erlangs), nobody abandons, groups of 12, 13 and 15 agents who answer at once, one queue each.
/// Each size runs as two independent replica queues side by side in one scenario: one
/// 26-second run, about 2,400 calls per size, some 300 calls per wall second (more than that on
/// a shared two-core machine and the grains' own latency starts to show).
///
/// Two comparisons, because a run this short cannot pin Erlang C's means down by itself: near
/// saturation the wait process relaxes over AHT/(√n − √A)² (220 s at 12 agents), and one
/// long busy period moves a run's ASA by seconds.
/// 1. Fidelity: the run's own arrivals and talk times, replayed through an ideal
///    first-come-first-served queue (<see cref="FifoReplay"/>), give the waits the grains
///    should have produced. The replay is charged the run's own typical latencies (the median
///    hand-off from one call to the next waiting one, the mean wait of calls answered on
///    arrival), which are themselves bounded; beyond that only a small allowance is left.
///    An agent left idle while calls wait, or a call served out of turn for long, shows here.
/// 2. Theory: the measured figures fall within the range that runs of exactly this shape
///    (same length, warm-up and replicas) of the Erlang C model itself produce, found by Monte
///    Carlo: 3,000 simulated runs, their 0.1% and 99.9% quantiles, widened by the latency
///    allowance. The run's own arrivals and drawn handle times replayed without latency must
///    fall inside the range as it is (that checks the arrival and handle streams alone): a
///    correct simulator falls outside with probability 0.002 per figure, about 1% for the six
///    figures. The Monte Carlo runs' own mean is checked against the closed-form Erlang C figures.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class ErlangCAgreementTests(ITestOutputHelper output)
{
    private const double ArrivalRate = 0.5;
    private const double HandleSeconds = 20;
    /// <summary>Short enough that the service level says something at all three sizes.</summary>
    private const double ThresholdSeconds = 2;
    /// <summary>
    /// Scenario seconds per wall second. The scheduler wakes within about 0.1 ms of an action's
    /// time and a grain hop takes a fraction of a millisecond, so each call's wait and its agent's
    /// busy time gain roughly a millisecond of wall time: 0.1 s of scenario time here, against
    /// a 2 s threshold and a 20 s handle time.
    /// </summary>
    private const double Speed = 100;
    private const double DurationSeconds = 2_600;
    /// <summary>Calls arriving in the first 200 s find idle agents: the queues are not yet in steady state.</summary>
    private const double WarmUpSeconds = 200;
    private const int Replicas = 2;
    private const int MonteCarloRuns = 3_000;
    private const double EnvelopeQuantile = 0.001;

    /// <summary>
    /// What latency may add beyond the replay's typical latencies: the spread around them and the
    /// stalls of a shared two-core machine, which freeze the silo for a few hundred milliseconds
    /// of wall time (tens of scenario seconds) now and then when other builds run beside it,
    /// measured at up to 15% of ASA near saturation. On a quiet machine the measured figures
    /// come within 1% of the replay. An agent stuck for the run, or calls left waiting beside a
    /// free agent, cost far more.
    /// </summary>
    private static double AsaAllowance(double asa) => 0.3 + 0.25 * asa;

    private const double ServiceLevelAllowance = 0.04;

    /// <summary>
    /// The most a routing decision with its ring, or an agent's hand-off from one call to the
    /// next, may take on average: 10 ms of wall time (1 s of scenario time), generous for a debug
    /// build on a busy machine, where a release build on a quiet one takes half a millisecond.
    /// </summary>
    private const double MaxTypicalLatencySeconds = 1.0;

    [Fact]
    public async Task Service_level_and_asa_agree_with_erlang_c_for_12_13_and_15_agents()
    {
        int[] sizes = [12, 13, 15];
        var queues = sizes.SelectMany(n => Enumerable.Range(1, Replicas).Select(r => (Size: n, Id: $"n{n}r{r}"))).ToList();
        var scenario = new Scenario
        {
            Name = "erlang-c",
            Seed = 11,
            Speed = Speed,
            DurationSeconds = DurationSeconds,
            // Agents always answer; a long ring timeout keeps a stall of the shared machine from
            // turning into a ring-no-answer.
            Queues = [.. queues.Select(q => new QueueSpec { Id = q.Id, ServiceLevelSeconds = ThresholdSeconds, RingTimeoutSeconds = 600 })],
            Agents = [.. queues.Select(q => new AgentGroupSpec { Count = q.Size, IdPrefix = q.Id + "-", Queues = ImmutableDictionary<string, int>.Empty.Add(q.Id, 1) })],
            Arrivals = [.. queues.Select(q => new ArrivalSpec
            {
                Queue = q.Id,
                Service = q.Id,
                RatePerSecond = ArrivalRate,
                HandleSeconds = Distribution.Exponential(HandleSeconds),
            })],
        };

        var report = await SimulationRunner.RunAsync(scenario, new RunOptions { KeepCallSamples = true }, new TestOutputWriter(output));

        var result = report.Result;
        output.WriteLine($"agents: {result.AgentActivity}; at the end {string.Join(", ", result.AgentsAtEnd)}; recoveries {string.Join(", ", result.NotReadyRecoveries)}");
        output.WriteLine($"scheduler lateness ms: {result.Scheduler.LatenessMs}; garbage collection: {result.GarbageCollection}");
        Assert.Equal(0, result.Lost);
        Assert.True(result.InvariantViolations == 0, string.Join("\n", result.InvariantDetails));
        Assert.Equal(result.Offered, result.Answered);
        Assert.All(queues, q => Assert.NotNull(result.Queues[q.Id].ErlangC));

        // Callers hang up on time: the talk the grains record is the handle time drawn, give or
        // take the hang-up's latency (median under a millisecond of wall time, 0.1 s here; a loaded
        // CI machine was seen at 0.103, so the bound is 3 ms of wall time; a broken hang-up costs seconds).
        var overrun = report.Calls.Select(x => x.TalkSeconds - x.HandleSeconds).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"talk minus drawn handle time, s: p50 {overrun[overrun.Count / 2]:0.000} p99 {overrun[overrun.Count * 99 / 100]:0.000} max {overrun[^1]:0.000}"));
        foreach (var late in report.Calls.OrderByDescending(x => x.TalkSeconds - x.HandleSeconds).Take(3))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  hung up late: {late.CallId} arrived {late.ArrivalSeconds:0.0} s, waited {late.WaitSeconds:0.00} s, talked {late.TalkSeconds:0.00} s of {late.HandleSeconds:0.00} s"));
        }
        Assert.InRange(overrun[overrun.Count / 2], -0.1, 0.3);
        var failures = new List<string>();
        foreach (var n in sizes)
        {
            var lines = Compare(n, report.Calls.Where(c => c.EntryQueue.StartsWith($"n{n}r", StringComparison.Ordinal)).ToList());
            foreach (var (agrees, line) in lines)
            {
                output.WriteLine(line);
                if (!agrees)
                {
                    failures.Add(line);
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static List<(bool Agrees, string Line)> Compare(int agents, List<CallSample> calls)
    {
        var measured = Figures(calls.Where(c => c.ArrivalSeconds >= WarmUpSeconds).Select(c => c.WaitSeconds));

        // 1. The same calls through an ideal queue, replica by replica, charged the run's typical latencies.
        var handOff = MedianHandOffSeconds(calls);
        var answerLatency = calls.Where(c => c.OfferedOnEntry).Select(c => c.WaitSeconds).DefaultIfEmpty(0).Average();
        var idealWaits = calls
            .GroupBy(c => c.EntryQueue)
            .SelectMany(g =>
            {
                var ordered = g.OrderBy(c => c.ArrivalSeconds).ToList();
                var waits = FifoReplay.Waits([.. ordered.Select(c => (c.ArrivalSeconds, c.TalkSeconds + handOff))], agents);
                return ordered.Select((c, i) => (c.ArrivalSeconds, Wait: waits[i] + answerLatency));
            })
            .Where(x => x.ArrivalSeconds >= WarmUpSeconds)
            .Select(x => x.Wait);
        var ideal = Figures(idealWaits);

        // 2. Runs of this shape of the Erlang C model itself.
        var model = ErlangC.For(agents, ArrivalRate, HandleSeconds);
        var envelope = MonteCarlo(agents);
        var drawn = Figures(calls
            .GroupBy(c => c.EntryQueue)
            .SelectMany(g =>
            {
                var ordered = g.OrderBy(c => c.ArrivalSeconds).ToList();
                var waits = FifoReplay.Waits([.. ordered.Select(c => (c.ArrivalSeconds, c.HandleSeconds))], agents);
                return ordered.Select((c, i) => (c.ArrivalSeconds, Wait: waits[i]));
            })
            .Where(x => x.ArrivalSeconds >= WarmUpSeconds)
            .Select(x => x.Wait));

        var c = CultureInfo.InvariantCulture;
        var fidelity =
            handOff <= MaxTypicalLatencySeconds && answerLatency <= MaxTypicalLatencySeconds
            && measured.Asa - ideal.Asa <= AsaAllowance(ideal.Asa)
            && ideal.ServiceLevel - measured.ServiceLevel <= ServiceLevelAllowance;
        var theory =
            measured.Asa >= envelope.AsaLow - AsaAllowance(envelope.AsaLow) && measured.Asa <= envelope.AsaHigh + AsaAllowance(envelope.AsaHigh)
            && measured.ServiceLevel >= envelope.ServiceLevelLow - ServiceLevelAllowance && measured.ServiceLevel <= envelope.ServiceLevelHigh;
        var streams =
            drawn.Asa >= envelope.AsaLow && drawn.Asa <= envelope.AsaHigh
            && drawn.ServiceLevel >= envelope.ServiceLevelLow && drawn.ServiceLevel <= envelope.ServiceLevelHigh;
        // The Monte Carlo runs start empty, so their mean sits a little below the steady state.
        var monteCarloMatchesFormula =
            Math.Abs(envelope.AsaMean - model.AverageSpeedOfAnswerSeconds) <= 0.10 * model.AverageSpeedOfAnswerSeconds
            && Math.Abs(envelope.ServiceLevelMean - model.ServiceLevel(ThresholdSeconds)) <= 0.02;
        return
        [
            (fidelity, string.Create(c,
                $"n={agents}: measured SL({ThresholdSeconds} s) {measured.ServiceLevel:0.000}, ASA {measured.Asa:0.000} s over {measured.Count} calls; the same calls through an ideal FIFO queue with hand-offs of {handOff:0.000} s and answers {answerLatency:0.000} s after arrival: SL {ideal.ServiceLevel:0.000}, ASA {ideal.Asa:0.000} s (ASA allowance +{AsaAllowance(ideal.Asa):0.00} s) {(fidelity ? "agrees" : "DISAGREES")}")),
            (theory, string.Create(c,
                $"n={agents}: Erlang C SL {model.ServiceLevel(ThresholdSeconds):0.000}, ASA {model.AverageSpeedOfAnswerSeconds:0.000} s; runs of this shape range SL [{envelope.ServiceLevelLow:0.000}, {envelope.ServiceLevelHigh:0.000}], ASA [{envelope.AsaLow:0.000}, {envelope.AsaHigh:0.000}] s {(theory ? "agrees" : "DISAGREES")}")),
            (streams, string.Create(c,
                $"n={agents}: the run's arrivals and drawn handle times without latency: SL {drawn.ServiceLevel:0.000}, ASA {drawn.Asa:0.000} s {(streams ? "within the range" : "OUTSIDE THE RANGE")}")),
            (monteCarloMatchesFormula, string.Create(c,
                $"n={agents}: Monte Carlo mean SL {envelope.ServiceLevelMean:0.000}, ASA {envelope.AsaMean:0.000} s vs Erlang C {model.ServiceLevel(ThresholdSeconds):0.000}, {model.AverageSpeedOfAnswerSeconds:0.000} s {(monteCarloMatchesFormula ? "agrees" : "DISAGREES")}")),
        ];
    }

    /// <summary>
    /// The median time from an agent's call ending to its answering the next one, over calls that
    /// were already waiting when the previous one ended (the time the agent was not talking
    /// though work was there).
    /// </summary>
    private static double MedianHandOffSeconds(List<CallSample> calls)
    {
        var gaps = new List<double>();
        foreach (var agentCalls in calls.Where(c => c.AgentId is not null).GroupBy(c => c.AgentId))
        {
            var ordered = agentCalls.OrderBy(c => c.ArrivalSeconds + c.WaitSeconds).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var previousEnd = ordered[i - 1].ArrivalSeconds + ordered[i - 1].WaitSeconds + ordered[i - 1].TalkSeconds;
                var next = ordered[i];
                if (next.ArrivalSeconds < previousEnd)
                {
                    gaps.Add(next.ArrivalSeconds + next.WaitSeconds - previousEnd);
                }
            }
        }
        if (gaps.Count == 0)
        {
            return 0;
        }
        gaps.Sort();
        return Math.Max(0, gaps[gaps.Count / 2]);
    }

    private static (double ServiceLevel, double Asa, int Count) Figures(IEnumerable<double> waits)
    {
        var list = waits.ToList();
        return (list.Count(w => w <= ThresholdSeconds) / (double)list.Count, list.Average(), list.Count);
    }

    private sealed record Envelope(
        double ServiceLevelLow, double ServiceLevelHigh, double ServiceLevelMean, double AsaLow, double AsaHigh, double AsaMean);

    /// <summary>The 0.1% and 99.9% quantiles of SL and ASA over simulated runs of the M/M/n model of this test's shape.</summary>
    private static Envelope MonteCarlo(int agents)
    {
        var random = new Random(20_000 + agents);
        var serviceLevels = new double[MonteCarloRuns];
        var asas = new double[MonteCarloRuns];
        var calls = new List<(double Arrival, double Service)>();
        for (var run = 0; run < MonteCarloRuns; run++)
        {
            double waitSum = 0;
            int within = 0, count = 0;
            for (var replica = 0; replica < Replicas; replica++)
            {
                calls.Clear();
                for (var t = Exponential(random, 1 / ArrivalRate); t < DurationSeconds; t += Exponential(random, 1 / ArrivalRate))
                {
                    calls.Add((t, Exponential(random, HandleSeconds)));
                }
                var waits = FifoReplay.Waits(calls, agents);
                for (var i = 0; i < waits.Length; i++)
                {
                    if (calls[i].Arrival >= WarmUpSeconds)
                    {
                        waitSum += waits[i];
                        within += waits[i] <= ThresholdSeconds ? 1 : 0;
                        count++;
                    }
                }
            }
            serviceLevels[run] = within / (double)count;
            asas[run] = waitSum / count;
        }
        Array.Sort(serviceLevels);
        Array.Sort(asas);
        var low = (int)(EnvelopeQuantile * MonteCarloRuns);
        var high = MonteCarloRuns - 1 - low;
        return new Envelope(serviceLevels[low], serviceLevels[high], serviceLevels.Average(), asas[low], asas[high], asas.Average());
    }

    private static double Exponential(Random random, double mean) => -mean * Math.Log(1 - random.NextDouble());

    [Fact]
    public void Only_plain_queues_qualify_for_erlang_c()
    {
        var plain = ScenarioReader.Parse("""
            {"durationSeconds": 60, "queues": [{"id": "q"}], "agents": [{"count": 12, "queues": {"q": 1}}],
             "arrivals": [{"queue": "q", "ratePerSecond": 0.5, "handleSeconds": {"dist": "exponential", "mean": 20}}]}
            """).Scenario;

        Assert.Equal(12, ErlangCModel.For(new ScenarioPlan(plain), "q")!.Agents);
        Assert.Equal(10, ErlangCModel.For(new ScenarioPlan(plain), "q")!.OfferedLoadErlangs, 9);
        Assert.Null(ErlangCModel.For(new ScenarioPlan(plain with { Arrivals = [plain.Arrivals[0] with { PatienceSeconds = Distribution.Exponential(60) }] }), "q"));
        Assert.Null(ErlangCModel.For(new ScenarioPlan(plain with { Arrivals = [plain.Arrivals[0] with { HandleSeconds = Distribution.Constant(20) }] }), "q"));
        Assert.Null(ErlangCModel.For(new ScenarioPlan(plain with { Queues = [plain.Queues[0] with { WrapUpSeconds = 5 }] }), "q"));
        Assert.Null(ErlangCModel.For(new ScenarioPlan(plain with { Agents = [plain.Agents[0] with { AnswerDelaySeconds = Distribution.Constant(2) }] }), "q"));
        Assert.Null(ErlangCModel.For(new ScenarioPlan(plain with { Arrivals = [plain.Arrivals[0] with { Skills = ImmutableDictionary<string, int>.Empty.Add("x", 1) }] }), "q"));
    }
}
