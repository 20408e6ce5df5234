using System.Diagnostics;
using CallCenter.Calls;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scheduling;
using CallCenter.LoadTests.Theory;

namespace CallCenter.LoadTests.Simulation;

public sealed partial class Simulator
{
    private SimulationReport BuildReport()
    {
        // End-of-run invariant 2: every call ends in exactly one outcome with one record.
        long lost = 0;
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            if (call.Refused && !call.Ended && call.SinkRecords == 0)
            {
                // Refused at the door: it never entered, so it has no outcome to lose.
                continue;
            }
            if (call.CutOff || (!call.Ended && call.SinkRecords == 0))
            {
                lost++;
                if (lost <= 5)
                {
                    Violation($"call {_ids.CallId(i)} lost: no outcome within the drain (start {(call.StartReturned ? call.Accepted ? "accepted" : "rejected" : "never returned")}, answered by {(call.FirstAnsweringAgent >= 0 ? _plan.Agents[call.FirstAnsweringAgent].Id : "nobody")})");
                }
                else
                {
                    _n.InvariantViolations++;
                }
            }
            else if (!call.Ended)
            {
                Violation($"call {_ids.CallId(i)}: a record ({call.SinkOutcome}) was written but the observer was never told");
            }
            else if (_sink is not null && call.SinkRecords == 0)
            {
                Violation($"call {_ids.CallId(i)}: the observer was told ({call.Outcome}) but no record reached the record sink");
            }
        }
        foreach (var s in _suspects.Where(s => _calls[s.PreviousCall].Ended))
        {
            // (A suspect whose first call never ended is already counted as a lost call.)
            Violation($"agent {_plan.Agents[s.Agent].Id}: answered {_ids.CallId(s.NextCall)} while connected to {_ids.CallId(s.PreviousCall)}, and {_ids.CallId(s.NextCall)} has no record to show when");
        }

        var wallSeconds = Stopwatch.GetElapsedTime(_wallStart, _wallEnd).TotalSeconds;
        var scenarioSeconds = TicksToSeconds(_endTicks - _runStart);
        var queues = BuildQueueResults();
        var intervals = BuildIntervals();
        var otherOutcomes = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["callback"] = 0,
            ["voicemail"] = 0,
            ["rejected"] = 0,
            ["failed"] = 0,
        };
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            if (call.Ended && call.Outcome is not (CallOutcome.Completed or CallOutcome.Abandoned))
            {
                otherOutcomes[call.Outcome.ToString().ToLowerInvariant()]++;
            }
        }

        var result = new SimulationResult
        {
            Scenario = _options.ScenarioPath,
            ScenarioName = _scenario.Name,
            Mode = _sink is null ? "join" : "in-process",
            CdrSource = _sink is null ? "observer" : "observer+sink",
            Seed = _scenario.Seed,
            Speed = _clock.Speed,
            RateMultiplier = _options.RateMultiplier,
            Agents = _plan.Agents.Length,
            WallSeconds = wallSeconds,
            ScenarioSeconds = scenarioSeconds,
            CallsPerWallSecond = wallSeconds > 0 ? _n.Ended / wallSeconds : 0,
            Offered = _n.Offered,
            Answered = _n.Completed,
            Abandoned = _n.Abandoned,
            Overflowed = _n.Overflowed,
            OtherOutcomes = otherOutcomes,
            Lost = lost,
            Refused = _n.Refused,
            InvariantViolations = _n.InvariantViolations,
            InvariantDetails = [.. _violationDetails],
            CdrRecords = _n.Ended,
            SinkRecords = _n.SinkRecords,
            DuplicateCdrs = _n.DuplicateObserverRecords + _n.DuplicateSinkRecords,
            DecisionLatencyMs = Summarize(_decisionLatencyMicroseconds, 1e-3),
            AgentActivity = new AgentActivity(
                _n.Rings, _n.RingsOnEntry, _n.AnswersIssued, _n.AnswersAccepted, _n.AnswersRefused,
                _n.RingsLeftUnanswered, _n.Recoveries, _n.OffersWithdrawn, _n.CallerHangups, _n.PatienceHangups, _n.CleanupHangups, _n.LogoutErrors),
            Scheduler = new SchedulerFigures(
                _scheduler.Dispatched,
                wallSeconds > 0 ? _scheduler.Dispatched / wallSeconds : 0,
                Summarize(_scheduler.Lateness, 1e-3),
                _scheduler.Faults),
            AgentsAtEnd = _agentsAtEnd.ToDictionary(x => x.Key.ToString(), x => x.Value),
            NotReadyRecoveries = new SortedDictionary<string, int>(_recoveriesByReason, StringComparer.Ordinal),
            ArrivalPhase = ArrivalPhaseFigures(),
            GarbageCollection = _gcDuringRun,
            GrainCallErrors = _n.GrainCallErrors,
            GrainCallErrorDetails = [.. _errorDetails],
            FinishReason = _finishReason,
            Queues = queues,
            IntervalSeconds = intervals.IntervalSeconds,
            Intervals = intervals.Accumulator.Intervals(),
            WaitDistribution = intervals.Accumulator.WaitDistribution(),
            AllocatedBytes = _allocatedDuringRun,
        };
        return new SimulationReport(result, _options.KeepCallSamples ? CallSamples() : []);
    }

    /// <summary>Throughput while calls were arriving (the drain, waiting out the longest calls, is left out).</summary>
    private ArrivalPhase? ArrivalPhaseFigures()
    {
        if (_drainStartWall == 0)
        {
            return null;
        }
        var wall = Stopwatch.GetElapsedTime(_wallStart, _drainStartWall).TotalSeconds;
        return new ArrivalPhase(wall, _n.Offered, _endedDuringArrivals, wall > 0 ? _n.Offered / wall : 0, wall > 0 ? _endedDuringArrivals / wall : 0)
        {
            GrainCalls = _grainCalls is null ? null : _grainCallsDuringArrivals,
            GrainCallsPerWallSecond = _grainCalls is null || wall <= 0 ? null : _grainCallsDuringArrivals / wall,
        };
    }

    private SortedDictionary<string, QueueResult> BuildQueueResults()
    {
        var count = _queueNames.Count;
        var figures = new QueueFigures[count];
        for (var q = 0; q < count; q++)
        {
            figures[q] = new QueueFigures();
        }
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            var entry = call.Ended ? call.EntryQueue : _streams[call.Arrival].QueueIndex;
            var f = figures[entry];
            f.Offered++;
            if (call.Refused && !call.Ended)
            {
                f.Refused++;
                continue;
            }
            if (!call.Ended)
            {
                f.Lost++;
                continue;
            }
            var threshold = entry < _scenario.Queues.Length ? _scenario.Queues[entry].ServiceLevelSeconds : 20;
            if (call.Overflowed)
            {
                f.Overflowed++;
            }
            switch (call.Outcome)
            {
                case CallOutcome.Completed:
                    f.Answered++;
                    f.Waits.Add(call.WaitSeconds);
                    f.TotalWait += call.WaitSeconds;
                    var wrapUp = call.LastQueue >= 0 && call.LastQueue < _scenario.Queues.Length ? _scenario.Queues[call.LastQueue].WrapUpSeconds : 0;
                    f.TotalHandle += call.TalkSeconds + call.HoldSeconds + wrapUp;
                    if (call.WaitSeconds <= threshold)
                    {
                        f.AnsweredWithin++;
                    }
                    break;
                case CallOutcome.Abandoned:
                    f.Abandoned++;
                    if (call.WaitSeconds > threshold)
                    {
                        f.AbandonedAfter++;
                    }
                    break;
                default:
                    f.Other++;
                    break;
            }
        }

        var results = new SortedDictionary<string, QueueResult>(StringComparer.Ordinal);
        for (var q = 0; q < count; q++)
        {
            var f = figures[q];
            var spec = q < _scenario.Queues.Length ? _scenario.Queues[q] : null;
            if (spec is null && f.Offered == 0)
            {
                continue;
            }
            f.Waits.Sort();
            var denominator = f.Answered + f.AbandonedAfter;
            var model = spec is null ? null : ErlangCModel.For(_plan, spec.Id, _options.RateMultiplier);
            var modelA = spec is null ? null : ErlangCModel.ErlangAFor(_plan, spec.Id, _options.RateMultiplier);
            results[_queueNames[q]] = new QueueResult
            {
                Name = spec is { Name.Length: > 0 } ? spec.Name : null,
                Region = spec?.Region,
                ServiceLevelSeconds = spec?.ServiceLevelSeconds ?? 20,
                Offered = f.Offered,
                Answered = f.Answered,
                Abandoned = f.Abandoned,
                AbandonedAfterThreshold = f.AbandonedAfter,
                Overflowed = f.Overflowed,
                OtherOutcomes = f.Other,
                Lost = f.Lost,
                Refused = f.Refused,
                AnsweredWithinServiceLevel = f.AnsweredWithin,
                ServiceLevel = denominator > 0 ? (double)f.AnsweredWithin / denominator : 1.0,
                AsaSeconds = f.Answered > 0 ? f.TotalWait / f.Answered : 0,
                AhtSeconds = f.Answered > 0 ? f.TotalHandle / f.Answered : 0,
                WaitSeconds = new WaitPercentiles(
                    Round(Percentile(f.Waits, 0.50)), Round(Percentile(f.Waits, 0.90)), Round(Percentile(f.Waits, 0.99)),
                    Round(f.Waits.Count > 0 ? f.Waits[^1] : 0)),
                GrainToday = _queueStatistics.TryGetValue(_queueNames[q], out var statistics) ? GrainQueueFigures.From(statistics.Today) : null,
                ErlangC = model is null || spec is null ? null : new ErlangCFigures(
                    model.Agents,
                    model.OfferedLoadErlangs / model.MeanHandleSeconds,
                    model.MeanHandleSeconds,
                    model.OfferedLoadErlangs,
                    model.ProbabilityOfWaiting,
                    model.ServiceLevel(spec.ServiceLevelSeconds),
                    model.AverageSpeedOfAnswerSeconds,
                    Replay(q, model.Agents, spec.ServiceLevelSeconds)),
                ErlangA = modelA is null || spec is null ? null : new ErlangAFigures(
                    modelA.Agents,
                    modelA.OfferedLoadErlangs / modelA.MeanHandleSeconds,
                    modelA.MeanHandleSeconds,
                    modelA.MeanPatienceSeconds,
                    modelA.OfferedLoadErlangs,
                    modelA.ProbabilityOfWaiting,
                    modelA.AbandonProbability,
                    modelA.ServiceLevel(spec.ServiceLevelSeconds),
                    modelA.AverageSpeedOfAnswerSeconds),
            };
        }
        return results;
    }

    /// <summary>Every ended call by the interval it arrived in; busy time (talk, hold, wrap-up) from its answer on.</summary>
    private (double IntervalSeconds, IntervalAccumulator Accumulator) BuildIntervals()
    {
        var span = TicksToSeconds(_durationTicks);
        var length = IntervalAccumulator.ChooseInterval(span);
        var accumulator = new IntervalAccumulator(length, span, _plan.Agents.Length);
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            if (!call.Ended)
            {
                continue;
            }
            var threshold = call.EntryQueue < _scenario.Queues.Length ? _scenario.Queues[call.EntryQueue].ServiceLevelSeconds : 20;
            var wrapUp = call.LastQueue >= 0 && call.LastQueue < _scenario.Queues.Length ? _scenario.Queues[call.LastQueue].WrapUpSeconds : 0;
            var answered = call.Outcome == CallOutcome.Completed;
            accumulator.Add(new CallFacts(
                TicksToSeconds(call.ArrivalDue - _runStart),
                call.Outcome,
                answered,
                call.WaitSeconds,
                threshold,
                answered && call.HasAnsweredAt ? TicksToSeconds(call.AnsweredAtTicks - _runStart) : 0,
                answered ? call.TalkSeconds + call.HoldSeconds + wrapUp : 0));
        }
        return (length, accumulator);
    }

    /// <summary>The queue's answered calls (arrival, talk) through <see cref="FifoReplay"/>.</summary>
    private IdealReplay Replay(int queue, int agents, double thresholdSeconds)
    {
        var calls = new List<(double Arrival, double Service)>();
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            if (call.Ended && call.EntryQueue == queue && call.Outcome == CallOutcome.Completed)
            {
                calls.Add((TicksToSeconds(call.ArrivalDue - _runStart), call.TalkSeconds + call.HoldSeconds));
            }
        }
        if (calls.Count == 0)
        {
            return new IdealReplay(1, 0);
        }
        calls.Sort();
        var waits = FifoReplay.Waits(calls, agents);
        return new IdealReplay(waits.Count(w => w <= thresholdSeconds) / (double)waits.Length, waits.Average());
    }

    private List<CallSample> CallSamples()
    {
        var samples = new List<CallSample>(_calls.Count);
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            var entry = call.Ended ? call.EntryQueue : _streams[call.Arrival].QueueIndex;
            samples.Add(new CallSample(
                _ids.CallId(i),
                _queueNames[entry],
                TicksToSeconds(call.ArrivalDue - _runStart),
                call.WaitSeconds,
                call.TalkSeconds,
                call.HandleSeconds,
                call.Ended ? call.Outcome : null,
                call.RecordAgent >= 0 ? _plan.Agents[call.RecordAgent].Id : null,
                call.Overflowed,
                call.Ended && call.EntryRingTicks >= 0 && call.EntryRingQueue == call.EntryQueue));
        }
        return samples;
    }

    /// <summary>Waits are kept as floats; a millisecond is the precision that means anything.</summary>
    private static double Round(double seconds) => Math.Round(seconds, 3);

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(List<float> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }
        var rank = (int)Math.Ceiling(q * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    internal static LatencySummary Summarize(LatencyHistogram h, double scale) => new(
        h.Percentile(0.50) * scale,
        h.Percentile(0.90) * scale,
        h.Percentile(0.99) * scale,
        h.Percentile(0.999) * scale,
        h.Max * scale,
        h.Mean * scale,
        h.Count);

    private sealed class QueueFigures
    {
        public long Offered;
        public long Answered;
        public long Abandoned;
        public long AbandonedAfter;
        public long Overflowed;
        public long Other;
        public long Lost;
        public long Refused;
        public long AnsweredWithin;
        public double TotalWait;
        public double TotalHandle;
        public readonly List<float> Waits = [];
    }
}
