using System.Diagnostics;
using System.Globalization;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Scheduling;
using CallCenter.Stats;
using CallCenter.Time;

namespace CallCenter.LoadTests.Simulation;

/// <summary>
/// Drives one scenario against the call-center grains: callers arrive, wait, hang up; virtual
/// agents answer their ringing phones. All of the simulator's state lives on the scheduler's
/// thread (<see cref="Handle"/>); grain calls are fired without awaiting and their results come
/// back as events. Invariants are checked online as records and answers arrive.
/// </summary>
public sealed partial class Simulator : IScenarioActionHandler<SimAction>
{
    private const int MaxDetails = 20;
    private const int SetUpParallelism = 64;

    private readonly ScenarioPlan _plan;
    private readonly Scenario _scenario;
    private readonly IGrainFactory _grains;
    private readonly ScaledTimeProvider _clock;
    private readonly RunOptions _options;
    private readonly CountingCallDetailRecordSink? _sink;
    private readonly TextWriter _progress;
    private readonly ScenarioScheduler<SimAction> _scheduler;
    private readonly SimulationIds _ids;
    private readonly SimulatedPhone _phone;
    private readonly CallRecordObserver _observer;
    private IAgentPhone? _phoneReference;
    private ICallObserver? _observerReference;

    private readonly IAgentGrain[] _agentGrains;
    private readonly int[] _agentGroup;
    private readonly int[] _agentConnectedCall;
    /// <summary>Recovery checks scheduled or in flight per agent: a not-ready agent with one pending is recovering.</summary>
    private readonly int[] _pendingRecoveries;
    private readonly bool[] _recoveryInFlight;
    private readonly Random[] _answerChoice;
    private readonly Random[] _answerDelay;
    private readonly ArrivalStream[] _streams;
    private readonly Dictionary<string, int> _queueIndex;
    private readonly List<string> _queueNames;
    private readonly CallTable _calls = new();
    private readonly List<Suspect> _suspects = [];
    private readonly LatencyHistogram _decisionLatencyMicroseconds = new();
    /// <summary>
    /// A call grain may release its agent a moment before it stamps the record's end time (a
    /// thread switch between the two): overlaps shorter than 25 ms of wall time are not counted.
    /// </summary>
    private readonly long _suspectSlackTicks;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long _runStart;
    private long _durationTicks;
    private long _wallStart;
    private long _wallEnd;
    private long _endTicks;
    private bool _arrivalsStopped;
    private long _drainStartWall;
    private long _endedDuringArrivals;
    private GcFigures _gcAtStart;
    private long _allocatedAtStart;
    private readonly Bench.GrainCallCounter? _grainCalls;
    private long _grainCallsAtStart;
    private long _grainCallsDuringArrivals;
    private long _allocatedDuringRun;
    private GcFigures? _gcDuringRun;
    private bool _drainExtends;
    private long _endedAtLastDeadline;
    private double _drainWallCapSeconds;
    private string _finishReason = "";

    private readonly SimulationCounters _n = new();
    private readonly List<string> _violationDetails = [];
    private readonly SortedDictionary<AgentState, int> _agentsAtEnd = [];
    private readonly SortedDictionary<string, int> _recoveriesByReason = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueueStatistics> _queueStatistics = new(StringComparer.Ordinal);
    private readonly List<string> _errorDetails = [];

    public Simulator(
        ScenarioPlan plan,
        IGrainFactory grains,
        ScaledTimeProvider clock,
        RunOptions options,
        CountingCallDetailRecordSink? sink,
        TextWriter progress,
        Bench.GrainCallCounter? grainCalls = null)
    {
        _grainCalls = grainCalls;
        _plan = plan;
        _scenario = plan.Scenario;
        _grains = grains;
        _clock = clock;
        _options = options;
        _sink = sink;
        _progress = progress;
        _scheduler = new ScenarioScheduler<SimAction>(clock);
        _suspectSlackTicks = (long)(TimeSpan.FromMilliseconds(25).Ticks * clock.Speed);
        _ids = new SimulationIds(
            "sim" + Guid.NewGuid().ToString("N")[..8],
            plan.Agents.Select((a, i) => (a.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal));
        _phone = new SimulatedPhone(_scheduler, _ids);
        _observer = new CallRecordObserver(_scheduler, _ids);

        var random = new RandomStreams(_scenario.Seed);
        _agentGrains = [.. plan.Agents.Select(a => grains.GetAgent(a.Id))];
        _agentGroup = [.. plan.Agents.Select(a => a.Group)];
        _agentConnectedCall = Enumerable.Repeat(-1, plan.Agents.Length).ToArray();
        _pendingRecoveries = new int[plan.Agents.Length];
        _recoveryInFlight = new bool[plan.Agents.Length];
        _answerChoice = [.. _scenario.Agents.Select((_, g) => random.For("answer-choice", g))];
        _answerDelay = [.. _scenario.Agents.Select((_, g) => random.For("answer-delay", g))];
        _queueNames = [.. _scenario.Queues.Select(q => q.Id)];
        _queueIndex = _queueNames.Select((q, i) => (q, i)).ToDictionary(x => x.q, x => x.i, StringComparer.Ordinal);
        _streams = [.. _scenario.Arrivals.Select((a, i) => new ArrivalStream(a, i, _queueIndex[a.Queue], random, options.RateMultiplier))];
    }

    private double Now => TicksToSeconds(_scheduler.Now - _runStart);

    private static long SecondsToTicks(double seconds) => (long)(seconds * TimeSpan.TicksPerSecond);

    private static double TicksToSeconds(long ticks) => ticks / (double)TimeSpan.TicksPerSecond;

    /// <summary>Sets up, runs the arrivals and the drain, logs the agents out, and reports.</summary>
    public async Task<SimulationReport> RunAsync(CancellationToken cancellationToken = default)
    {
        await SetUpAsync(cancellationToken);

        _sink?.Attach(record =>
        {
            var call = _ids.CallIndex(record.CallId);
            if (call >= 0)
            {
                _scheduler.Post(new SimAction(SimActionKind.CdrSunk, call, -1, 0, record));
            }
        });

        _durationTicks = SecondsToTicks(_options.DurationSeconds ?? _scenario.DurationSeconds);
        _runStart = _scheduler.Now;
        _wallStart = Stopwatch.GetTimestamp();
        _gcAtStart = GcFigures.Now();
        _allocatedAtStart = GC.GetTotalAllocatedBytes(precise: false);
        _grainCallsAtStart = _grainCalls?.Count ?? 0;
        foreach (var stream in _streams)
        {
            var first = stream.Next(0, TicksToSeconds(_durationTicks));
            if (first is { } t)
            {
                _scheduler.Schedule(_runStart + SecondsToTicks(t), new SimAction(SimActionKind.Arrival, -1, -1, _runStart + SecondsToTicks(t), Value: stream.Index));
            }
        }
        _scheduler.Schedule(_runStart + _durationTicks, new SimAction(SimActionKind.EndOfArrivals, -1, -1));

        var loop = _scheduler.Start(this);
        using (cancellationToken.Register(() => _scheduler.Post(new SimAction(SimActionKind.DrainDeadline, -1, -1, Value: 1))))
        using (var progressTimer = new Timer(_ => WriteProgress(), null, _options.ProgressInterval, _options.ProgressInterval))
        {
            await Task.WhenAny(_finished.Task, loop);
            _scheduler.Stop();
            await loop;
        }
        if (_wallEnd == 0)
        {
            _wallEnd = Stopwatch.GetTimestamp();
            _endTicks = _scheduler.Now;
            _finishReason = _scheduler.FirstFault is { } fault ? $"scheduler stopped: {fault.Message}" : "stopped";
        }
        _gcDuringRun = GcFigures.Now() - _gcAtStart;
        _allocatedDuringRun = GC.GetTotalAllocatedBytes(precise: false) - _allocatedAtStart;
        if (_n.Ended + _n.Refused < _n.Offered)
        {
            // Cut off by the drain limit: give what is already on its way a moment to arrive,
            // count it, then hang up what is left so that no agent stays on a call.
            await Task.Delay(LateEventGrace, CancellationToken.None);
            _scheduler.RunPosted(this);
            await HangUpUnfinishedAsync();
        }
        _scheduler.RunPosted(this);
        _sink?.Attach(null);
        WriteProgress();

        await InspectAgentsAsync();
        await CollectQueueStatisticsAsync();
        await LogOutAsync();
        return BuildReport();
    }

    /// <summary>The queues' own figures for today, reported beside the simulator's for comparison.</summary>
    private async Task CollectQueueStatisticsAsync()
    {
        foreach (var queue in _plan.Queues)
        {
            try
            {
                _queueStatistics[queue.Id] = await _grains.GetQueue(queue.Id).GetStatistics();
            }
            catch (Exception ex)
            {
                _n.GrainCallErrors++;
                if (_errorDetails.Count < MaxDetails)
                {
                    _errorDetails.Add($"statistics {queue.Id}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }
    }

    /// <summary>
    /// Once every call has ended, no agent may still hold one: an agent reserved, on a call or
    /// on hold now is stuck (invariant 1's reservations must always be released). An agent that
    /// logs in ready and is not ready now was left not-ready by a ring it never saw.
    /// </summary>
    /// <remarks>
    /// The last record and its agent's release are two one-way messages sent together, and an agent
    /// freed by its call still asks its queues for work before it reads Ready: an agent that looks
    /// busy is read again until <see cref="AgentSettleTimeout"/> has passed, and only one that is
    /// still busy then counts as stuck. (CallEndOrderingTests pins the order in the grains.)
    /// </remarks>
    private async Task InspectAgentsAsync()
    {
        var snapshots = await SnapshotAgentsAsync(Enumerable.Range(0, _agentGrains.Length));
        var allEnded = _n.Ended + _n.Refused >= _n.Offered;
        var busy = allEnded ? Enumerable.Range(0, snapshots.Length).Where(i => IsBusy(snapshots[i])).ToList() : [];
        if (busy.Count > 0)
        {
            var settle = Stopwatch.StartNew();
            while (busy.Count > 0 && settle.Elapsed < AgentSettleTimeout)
            {
                await Task.Delay(AgentSettlePoll, CancellationToken.None);
                var again = await SnapshotAgentsAsync(busy);
                foreach (var i in busy)
                {
                    snapshots[i] = again[i];
                }
                busy.RemoveAll(i => !IsBusy(snapshots[i]));
            }
            _progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[sim] agents busy when the last call ended were read again for {settle.Elapsed.TotalSeconds:0.0} s; {busy.Count} still busy"));
        }
        for (var i = 0; i < snapshots.Length; i++)
        {
            if (snapshots[i] is not { } snapshot)
            {
                continue;
            }
            _agentsAtEnd[snapshot.State] = _agentsAtEnd.GetValueOrDefault(snapshot.State) + 1;
            if (!allEnded)
            {
                continue;
            }
            var id = _plan.Agents[i].Id;
            if (IsBusy(snapshot))
            {
                Violation($"agent {id} stuck {snapshot.State} (call {snapshot.CallId ?? "none"}, since {Format(snapshot.Since.UtcTicks)}) after every call ended");
            }
            else if (snapshot.State == AgentState.NotReady && _scenario.Agents[_agentGroup[i]].LoginReady && _pendingRecoveries[i] == 0)
            {
                Violation($"agent {id} left not-ready ({snapshot.ReasonCode}) since {Format(snapshot.Since.UtcTicks)}: a ring the simulator never saw, or a not-ready it was not told of");
            }
        }
    }

    private static bool IsBusy(AgentSnapshot? snapshot) =>
        snapshot?.State is AgentState.Reserved or AgentState.OnCall or AgentState.OnHold;

    /// <summary>How long an agent that looks busy after the last call is read again before it counts as stuck.</summary>
    private static readonly TimeSpan AgentSettleTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AgentSettlePoll = TimeSpan.FromMilliseconds(100);

    private async Task<AgentSnapshot?[]> SnapshotAgentsAsync(IEnumerable<int> agents)
    {
        var snapshots = new AgentSnapshot?[_agentGrains.Length];
        await Parallel.ForEachAsync(
            agents,
            new ParallelOptions { MaxDegreeOfParallelism = SetUpParallelism },
            async (i, _) =>
            {
                try
                {
                    snapshots[i] = await _agentGrains[i].GetSnapshot();
                }
                catch (Exception ex)
                {
                    lock (_errorDetails)
                    {
                        _n.GrainCallErrors++;
                        if (_errorDetails.Count < MaxDetails)
                        {
                            _errorDetails.Add($"snapshot {_plan.Agents[i].Id}: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                }
            });
        return snapshots;
    }

    /// <summary>How long events still on their way are awaited after a run is cut off.</summary>
    private static readonly TimeSpan LateEventGrace = TimeSpan.FromMilliseconds(500);

    private async Task HangUpUnfinishedAsync()
    {
        var unfinished = new List<Task>();
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            if (!call.Ended && call.SinkRecords == 0 && !call.Refused)
            {
                // Lost to this run whatever its record says later.
                call.CutOff = true;
                if (call.Grain is { } grain)
                {
                    _n.CleanupHangups++;
                    unfinished.Add(grain.Hangup(CallParty.Caller));
                }
            }
        }
        try
        {
            await Task.WhenAll(unfinished).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception ex)
        {
            _errorDetails.Add($"clean-up hang-ups: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        _phoneReference = _grains.CreateObjectReference<IAgentPhone>(_phone);
        _observerReference = _grains.CreateObjectReference<ICallObserver>(_observer);

        await _grains.GetRoutingTable().Set(_plan.RoutingTable);
        foreach (var queue in _plan.Queues)
        {
            await _grains.GetQueue(queue.Id).Configure(queue);
        }
        await Parallel.ForEachAsync(
            Enumerable.Range(0, _plan.Agents.Length),
            new ParallelOptions { MaxDegreeOfParallelism = SetUpParallelism, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                var agent = _plan.Agents[i];
                await _agentGrains[i].Configure(agent.Profile);
                await _agentGrains[i].Login(_phoneReference, _scenario.Agents[agent.Group].LoginReady);
            });
        _progress.WriteLine(
            $"[sim] set up {_plan.Queues.Length} queue(s), {_plan.Agents.Length} agent(s), {_streams.Length} arrival stream(s); run {_ids.RunTag}, speed {_clock.Speed:0.###}");
    }

    private async Task LogOutAsync()
    {
        await Parallel.ForEachAsync(
            Enumerable.Range(0, _agentGrains.Length),
            new ParallelOptions { MaxDegreeOfParallelism = SetUpParallelism },
            async (i, _) =>
            {
                try
                {
                    await _agentGrains[i].Logout();
                }
                catch (Exception ex)
                {
                    lock (_errorDetails)
                    {
                        _n.LogoutErrors++;
                        if (_errorDetails.Count < MaxDetails)
                        {
                            _errorDetails.Add($"logout {_plan.Agents[i].Id}: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                }
            });
        if (_phoneReference is not null)
        {
            _grains.DeleteObjectReference<IAgentPhone>(_phoneReference);
        }
        if (_observerReference is not null)
        {
            _grains.DeleteObjectReference<ICallObserver>(_observerReference);
        }
    }

    /// <summary>The scheduler's thread: every timed action and every event passes here.</summary>
    public void Handle(in SimAction action)
    {
        if (_wallEnd != 0 && action.Kind is SimActionKind.Arrival or SimActionKind.Rang or SimActionKind.Answer
                or SimActionKind.CallerHangup or SimActionKind.Patience or SimActionKind.Recover)
        {
            // The run is over: count what arrives, start nothing new.
            return;
        }
        switch (action.Kind)
        {
            case SimActionKind.Arrival:
                OnArrival(action.Value, action.Stamp);
                break;
            case SimActionKind.StartCompleted:
                OnStartCompleted(action.Call, (CallStartResult)action.Payload!);
                break;
            case SimActionKind.Rang:
                OnRang(action.Call, action.Agent, action.Stamp, (Offer)action.Payload!);
                break;
            case SimActionKind.Answer:
                IssueAnswer(action.Call, action.Agent);
                break;
            case SimActionKind.AnswerCompleted:
                OnAnswerCompleted(action.Call, action.Agent, action.Value == 1);
                break;
            case SimActionKind.CallerHangup:
                OnHandleTimeOver(action.Call);
                break;
            case SimActionKind.Patience:
                OnPatienceOver(action.Call);
                break;
            case SimActionKind.HangupCompleted:
                OnHangupCompleted(action.Call);
                break;
            case SimActionKind.Recover:
                IssueRecover(action.Agent);
                break;
            case SimActionKind.RecoverCompleted:
                _pendingRecoveries[action.Agent]--;
                _recoveryInFlight[action.Agent] = false;
                if (action.Value == 1)
                {
                    _n.Recoveries++;
                    var reason = action.Payload as string ?? "(none)";
                    _recoveriesByReason[reason] = _recoveriesByReason.GetValueOrDefault(reason) + 1;
                }
                break;
            case SimActionKind.CdrObserved:
                OnRecordObserved(action.Call, (CallDetailRecord)action.Payload!);
                break;
            case SimActionKind.CdrSunk:
                OnRecordSunk(action.Call, (CallDetailRecord)action.Payload!);
                break;
            case SimActionKind.OfferWithdrawn:
                _n.OffersWithdrawn++;
                break;
            case SimActionKind.PhoneCallEnded:
                _n.PhoneCallEnded++;
                break;
            case SimActionKind.GrainCallFailed:
                OnGrainCallFailed((GrainCallFailure)action.Payload!);
                break;
            case SimActionKind.EndOfArrivals:
                OnEndOfArrivals();
                break;
            case SimActionKind.DrainDeadline:
                OnDrainDeadline(cancelled: action.Value == 1);
                break;
        }
    }

    private void OnArrival(int streamIndex, long dueTicks)
    {
        if (_arrivalsStopped)
        {
            return;
        }
        var stream = _streams[streamIndex];
        var index = _calls.Add();
        ref var call = ref _calls[index];
        call.Id = _ids.CallId(index);
        call.Grain = _grains.GetCall(call.Id);
        call.Arrival = (short)streamIndex;
        call.ArrivalDue = dueTicks;
        call.HandleSeconds = stream.Handle.Sample(stream.HandleRandom);
        call.PatienceSeconds = stream.Patience.Sample(stream.PatienceRandom);
        call.EntryRingTicks = -1;
        call.EntryRingQueue = -1;
        call.ConnectedAgent = -1;
        call.FirstAnsweringAgent = -1;
        call.RecordAgent = -1;
        call.EntryQueue = -1;
        call.LastQueue = -1;
        var arrival = new CallArrival
        {
            CallId = call.Id,
            CallerNumber = stream.NextCallerNumber(),
            Service = stream.Spec.Service,
            Priority = stream.Spec.Priority,
            RequiredSkills = stream.Spec.Skills,
            Account = stream.Spec.Account,
            // Ids are unique to the run and each Start is sent once: no record can exist yet.
            FreshCallId = true,
        };
        call.StartStamp = Stopwatch.GetTimestamp();
        _n.Offered++;
        _ = StartAsync(index, call.Grain, arrival);

        var next = stream.Next(TicksToSeconds(dueTicks - _runStart), TicksToSeconds(_durationTicks));
        if (next is { } t)
        {
            var due = _runStart + SecondsToTicks(t);
            _scheduler.Schedule(due, new SimAction(SimActionKind.Arrival, -1, -1, due, Value: streamIndex));
        }
    }

    private void OnStartCompleted(int index, CallStartResult result)
    {
        ref var call = ref _calls[index];
        call.StartReturned = true;
        call.Accepted = result.Accepted;
        if (result.Refused)
        {
            call.Refused = true;
            _n.Refused++;
            CheckDrained();
            return;
        }
        if (!result.Accepted)
        {
            _n.RejectedAtStart++;
            return;
        }
        if (double.IsFinite(call.PatienceSeconds) && !call.Ended && !call.CallerHangupIssued)
        {
            var due = call.ArrivalDue + SecondsToTicks(call.PatienceSeconds);
            _scheduler.Schedule(Math.Max(due, _scheduler.Now), new SimAction(SimActionKind.Patience, index, -1));
        }
    }

    private void OnRang(int index, int agent, long stamp, Offer offer)
    {
        if (index >= _calls.Count)
        {
            _n.ForeignRings++;
            return;
        }
        _n.Rings++;
        ref var call = ref _calls[index];
        if (offer.OfferedOnEntry)
        {
            _n.RingsOnEntry++;
            if (call.EntryRingTicks < 0)
            {
                call.EntryRingTicks = stamp - call.StartStamp;
                call.EntryRingQueue = (short)QueueIndexOf(offer.QueueId);
            }
        }

        var group = _agentGroup[agent];
        var spec = _scenario.Agents[group];
        if (spec.AnswerProbability >= 1 || _answerChoice[group].NextDouble() < spec.AnswerProbability)
        {
            var delay = spec.AnswerDelaySeconds.Sample(_answerDelay[group]);
            if (delay <= 0)
            {
                IssueAnswer(index, agent);
            }
            else
            {
                _scheduler.Schedule(_scheduler.Now + SecondsToTicks(delay), new SimAction(SimActionKind.Answer, index, agent));
            }
        }
        else
        {
            // Let it ring out: the agent grain's ring timeout makes the agent not-ready; the
            // virtual agent notices after its recovery delay and makes itself ready again.
            _n.RingsLeftUnanswered++;
            _pendingRecoveries[agent]++;
            var due = _scheduler.Now + offer.RingTimeout.Ticks + SecondsToTicks(_scenario.NotReadyRecoverySeconds);
            _scheduler.Schedule(due, new SimAction(SimActionKind.Recover, index, agent));
        }
    }

    private void ScheduleRecoveryCheck(int agent)
    {
        _pendingRecoveries[agent]++;
        _scheduler.Schedule(_scheduler.Now + SecondsToTicks(_scenario.NotReadyRecoverySeconds), new SimAction(SimActionKind.Recover, -1, agent));
    }

    private void IssueAnswer(int index, int agent)
    {
        _n.AnswersIssued++;
        _calls[index].AnswerIssuedAt = _scheduler.Now;
        var callId = _calls[index].Id ?? _ids.CallId(index);
        _ = AnswerAsync(index, agent, callId);
    }

    private void OnAnswerCompleted(int index, int agent, bool connected)
    {
        if (!connected)
        {
            // Usually the caller left or another agent won a ring-all. But an answer that came
            // after the ring timeout (a stall of the machine) leaves the agent not-ready for
            // no-answer, as a real agent would find itself: it makes itself ready again later.
            _n.AnswersRefused++;
            ScheduleRecoveryCheck(agent);
            return;
        }
        _n.AnswersAccepted++;
        ref var call = ref _calls[index];
        call.AnswersTrue++;
        if (call.AnswersTrue == 1)
        {
            call.FirstAnsweringAgent = agent;
        }
        else
        {
            Violation($"call {_ids.CallId(index)}: Answer returned true for two agents ({_plan.Agents[call.FirstAnsweringAgent].Id}, {_plan.Agents[agent].Id})");
        }

        var previous = _agentConnectedCall[agent];
        if (previous >= 0 && previous != index)
        {
            // Legal only if the previous call had already ended inside the grains (its record
            // or our hang-up's reply may still be on the way): decided when both records are in.
            _suspects.Add(new Suspect(agent, previous, index));
            ResolveSuspects();
        }
        if (call.Ended || call.CallerHangupIssued)
        {
            return;
        }
        call.ConnectedAgent = agent;
        _agentConnectedCall[agent] = index;
        // Talk runs from the moment the call grain connected, somewhere between our Answer and
        // its reply: counting from the Answer keeps the reply's latency out of the talk time.
        var hangupAt = call.AnswerIssuedAt + SecondsToTicks(call.HandleSeconds);
        _scheduler.Schedule(Math.Max(hangupAt, _scheduler.Now), new SimAction(SimActionKind.CallerHangup, index, agent));
    }

    private void OnHandleTimeOver(int index)
    {
        ref var call = ref _calls[index];
        if (call.Ended || call.CallerHangupIssued)
        {
            return;
        }
        call.CallerHangupIssued = true;
        _n.CallerHangups++;
        _ = HangupAsync(index, call.Grain!);
    }

    private void OnPatienceOver(int index)
    {
        ref var call = ref _calls[index];
        if (call.Ended || call.CallerHangupIssued || call.ConnectedAgent >= 0)
        {
            return;
        }
        call.CallerHangupIssued = true;
        _n.PatienceHangups++;
        _ = HangupAsync(index, call.Grain!);
    }

    private void OnHangupCompleted(int index)
    {
        var agent = _calls[index].ConnectedAgent;
        if (agent >= 0 && _agentConnectedCall[agent] == index)
        {
            _agentConnectedCall[agent] = -1;
        }
    }

    private void IssueRecover(int agent)
    {
        if (_recoveryInFlight[agent])
        {
            // One check at a time per agent: two could both see it not-ready, and the second
            // SetReady would land after the first had made it ready and it had been offered a call.
            _scheduler.Schedule(_scheduler.Now + SecondsToTicks(_scenario.NotReadyRecoverySeconds), new SimAction(SimActionKind.Recover, -1, agent));
            return;
        }
        _recoveryInFlight[agent] = true;
        _n.RecoverChecks++;
        _ = RecoverAsync(agent);
    }

    private void OnRecordObserved(int index, CallDetailRecord record)
    {
        if (index >= _calls.Count)
        {
            _n.ForeignRecords++;
            return;
        }
        ref var call = ref _calls[index];
        if (call.CutOff)
        {
            // The clean-up hang-up's record: the call is already counted as lost.
            return;
        }
        call.ObserverRecords++;
        if (call.ObserverRecords > 1)
        {
            _n.DuplicateObserverRecords++;
            Violation($"call {record.CallId}: {call.ObserverRecords} records reached the observer (outcome {record.Outcome})");
            return;
        }
        _n.Ended++;
        call.Outcome = record.Outcome;
        var path = record.QueuePath;
        call.EntryQueue = (short)(path.IsDefaultOrEmpty ? _streams[call.Arrival].QueueIndex : QueueIndexOf(path[0]));
        call.LastQueue = (short)(path.IsDefaultOrEmpty ? call.EntryQueue : QueueIndexOf(path[^1]));
        call.Overflowed = !path.IsDefaultOrEmpty && path.Length > 1;
        call.HasAnsweredAt = record.AnsweredAt.HasValue;
        call.WaitSeconds = (float)record.Wait.TotalSeconds;
        call.TalkSeconds = (float)record.Talk.TotalSeconds;
        call.HoldSeconds = (float)record.Hold.TotalSeconds;
        call.EndedAtTicks = record.EndedAt.UtcTicks;
        call.AnsweredAtTicks = record.AnsweredAt?.UtcTicks ?? 0;
        call.RecordAgent = _ids.AgentIndex(record.AgentId);

        switch (record.Outcome)
        {
            case CallOutcome.Completed:
                _n.Completed++;
                if (!record.AnsweredAt.HasValue)
                {
                    Violation($"call {record.CallId}: outcome Completed without AnsweredAt");
                }
                break;
            case CallOutcome.Abandoned:
                _n.Abandoned++;
                break;
            default:
                _n.OtherOutcomes++;
                break;
        }
        if (call.Overflowed)
        {
            _n.Overflowed++;
        }
        if (call.FirstAnsweringAgent >= 0 && record.AgentId != _plan.Agents[call.FirstAnsweringAgent].Id)
        {
            Violation($"call {record.CallId}: Answer returned true for {_plan.Agents[call.FirstAnsweringAgent].Id} but the record names {record.AgentId ?? "no agent"}");
        }

        // A routing decision is timed only at the call's entry queue: a ring on entry to an
        // overflow target comes after a wait, not after a decision.
        if (call.EntryRingTicks >= 0 && call.EntryRingQueue == call.EntryQueue)
        {
            _decisionLatencyMicroseconds.Record(call.EntryRingTicks * 1_000_000 / Stopwatch.Frequency);
        }
        if (call.ConnectedAgent >= 0 && _agentConnectedCall[call.ConnectedAgent] == index)
        {
            _agentConnectedCall[call.ConnectedAgent] = -1;
        }
        call.Grain = null;
        call.Id = null;
        if (_suspects.Count > 0)
        {
            ResolveSuspects();
        }
        CheckDrained();
    }

    private void OnRecordSunk(int index, CallDetailRecord record)
    {
        if (index >= _calls.Count)
        {
            return;
        }
        ref var call = ref _calls[index];
        if (call.CutOff)
        {
            return;
        }
        call.SinkRecords++;
        call.SinkOutcome = record.Outcome;
        _n.SinkRecords++;
        if (call.SinkRecords == 1)
        {
            _n.CallsWithSinkRecord++;
            CheckDrained();
        }
        else
        {
            _n.DuplicateSinkRecords++;
            Violation($"call {_ids.CallId(index)}: {call.SinkRecords} records written to the record sink");
        }
    }

    private void OnGrainCallFailed(GrainCallFailure failure)
    {
        _n.GrainCallErrors++;
        if (_errorDetails.Count < MaxDetails)
        {
            _errorDetails.Add($"{failure.Operation} {failure.Target}: {failure.Exception.GetType().Name}: {failure.Exception.Message}");
        }
    }

    private void OnEndOfArrivals()
    {
        _arrivalsStopped = true;
        _drainStartWall = Stopwatch.GetTimestamp();
        _endedDuringArrivals = _n.Ended;
        _grainCallsDuringArrivals = (_grainCalls?.Count ?? 0) - _grainCallsAtStart;
        _endedAtLastDeadline = _n.Ended;
        var explicitLimit = _options.DrainSeconds ?? _scenario.DrainSeconds;
        _drainExtends = explicitLimit is null;
        var drain = explicitLimit ?? EstimateDrainSeconds();
        // The wall cap only guards against a drain that never ends: it is at least twice what
        // the drain should take at this speed.
        _drainWallCapSeconds = Math.Max(_options.DrainWallCapSeconds, 2 * drain / _clock.Speed);
        _scheduler.Schedule(_scheduler.Now + SecondsToTicks(drain), new SimAction(SimActionKind.DrainDeadline, -1, -1));
        if (!_options.ProgressBar)
        {
            _progress.WriteLine($"[sim] arrivals stopped after {_n.Offered} calls; draining for up to {drain:0} scenario s");
        }
        CheckDrained();
    }

    /// <summary>
    /// The estimated drain assumes the grains keep up with the clock. When they fall behind
    /// (an overloaded machine), calls still end, only later: while records keep arriving the
    /// deadline moves on a wall second at a time, up to the wall cap.
    /// </summary>
    private void OnDrainDeadline(bool cancelled)
    {
        if (cancelled)
        {
            Finish("cancelled");
            return;
        }
        var progressed = _n.Ended > _endedAtLastDeadline;
        _endedAtLastDeadline = _n.Ended;
        var wallSoFar = Stopwatch.GetElapsedTime(_drainStartWall).TotalSeconds;
        if (_drainExtends && progressed && wallSoFar < _drainWallCapSeconds)
        {
            _scheduler.Schedule(_scheduler.Now + SecondsToTicks(_clock.Speed), new SimAction(SimActionKind.DrainDeadline, -1, -1));
            return;
        }
        Finish(wallSoFar >= _drainWallCapSeconds ? "drain wall cap reached" : "drain limit reached");
    }

    /// <summary>
    /// Enough scenario time for the calls still in progress: the longest handle and patience
    /// drawn among them, the queues' timers (ring timeouts, overflow, max wait, relaxation),
    /// and the backlog of unanswered calls spread over the agents.
    /// </summary>
    private double EstimateDrainSeconds()
    {
        double maxHandle = 0, maxPatience = 0;
        var unanswered = 0;
        for (var i = 0; i < _calls.Count; i++)
        {
            ref var call = ref _calls[i];
            if (call.Ended)
            {
                continue;
            }
            maxHandle = Math.Max(maxHandle, call.HandleSeconds);
            if (double.IsFinite(call.PatienceSeconds))
            {
                maxPatience = Math.Max(maxPatience, call.PatienceSeconds);
            }
            if (call.ConnectedAgent < 0)
            {
                unanswered++;
            }
        }
        var timers = _scenario.Queues.Max(q =>
            2 * q.RingTimeoutSeconds + q.WrapUpSeconds + (q.MaxWaitSeconds ?? 0)
            + (q.Overflow.IsEmpty ? 0 : q.Overflow.Max(o => o.AfterSeconds))
            + (q.Relaxation.IsEmpty ? 0 : q.Relaxation.Max(r => r.AfterSeconds)));
        var meanHandle = _scenario.Arrivals.Average(a => a.HandleSeconds.Mean);
        var backlog = unanswered * meanHandle / Math.Max(1, _agentGrains.Length);
        return maxHandle + maxPatience + timers + backlog + _scenario.NotReadyRecoverySeconds + 30;
    }

    private void CheckDrained()
    {
        if (_arrivalsStopped
            && _n.Ended + _n.Refused >= _n.Offered
            && (_sink is null || _n.CallsWithSinkRecord + _n.Refused >= _n.Offered))
        {
            Finish("every call ended");
        }
    }

    private void Finish(string reason)
    {
        if (_wallEnd != 0)
        {
            return;
        }
        _wallEnd = Stopwatch.GetTimestamp();
        _endTicks = _scheduler.Now;
        _finishReason = reason;
        _scheduler.Stop();
        _finished.TrySetResult();
    }

    private void ResolveSuspects()
    {
        for (var i = _suspects.Count - 1; i >= 0; i--)
        {
            var s = _suspects[i];
            ref var previous = ref _calls[s.PreviousCall];
            ref var next = ref _calls[s.NextCall];
            if (!previous.Ended || !next.Ended)
            {
                continue;
            }
            _suspects.RemoveAt(i);
            if (next.HasAnsweredAt && previous.EndedAtTicks - next.AnsweredAtTicks > _suspectSlackTicks)
            {
                Violation(
                    $"agent {_plan.Agents[s.Agent].Id}: answered {_ids.CallId(s.NextCall)} at {Format(next.AnsweredAtTicks)} while still connected to {_ids.CallId(s.PreviousCall)} (ended {Format(previous.EndedAtTicks)})");
            }
        }
    }

    private string Format(long clockTicks) =>
        TicksToSeconds(clockTicks - _runStart).ToString("0.000", CultureInfo.InvariantCulture) + "s";

    private int QueueIndexOf(string queueId)
    {
        if (!_queueIndex.TryGetValue(queueId, out var index))
        {
            index = _queueNames.Count;
            _queueNames.Add(queueId);
            _queueIndex[queueId] = index;
        }
        return index;
    }

    private void Violation(string description)
    {
        _n.InvariantViolations++;
        if (_violationDetails.Count < MaxDetails)
        {
            _violationDetails.Add(description);
        }
    }

    private void WriteProgress()
    {
        var wall = Stopwatch.GetElapsedTime(_wallStart).TotalSeconds;
        var scenarioSeconds = _wallEnd != 0 ? TicksToSeconds(_endTicks - _runStart) : Now;
        var inFlight = _n.Offered - _n.Ended - _n.Refused;
        var duration = TicksToSeconds(_durationTicks);
        if (_options.ProgressBar)
        {
            // Arrivals fill the bar to 90 %; the drain, by the calls ended, the rest.
            var fraction = !_arrivalsStopped
                ? 0.9 * scenarioSeconds / Math.Max(1e-9, duration)
                : 0.9 + 0.1 * _n.Ended / Math.Max(1.0, _n.Offered);
            var text = string.Create(CultureInfo.InvariantCulture,
                $"{wall:0}s t={scenarioSeconds:0}/{duration:0}s offered={_n.Offered} ended={_n.Ended} in-flight={inFlight} calls/s={(wall > 0 ? _n.Ended / wall : 0):0} violations={_n.InvariantViolations}");
            lock (_progress)
            {
                _progress.Write("\r" + ProgressBar.Render(fraction, text) + "\u001b[K" + (_wallEnd != 0 ? "\n" : ""));
                _progress.Flush();
            }
            return;
        }
        _progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[sim {wall,6:0.0}s] t={scenarioSeconds,8:0}/{duration:0}s offered={_n.Offered} refused={_n.Refused} answered={_n.AnswersAccepted} ended={_n.Ended} (completed={_n.Completed} abandoned={_n.Abandoned} other={_n.OtherOutcomes}) in-flight={inFlight} pending={_scheduler.Pending} calls/wall-s={(wall > 0 ? _n.Ended / wall : 0):0} violations={_n.InvariantViolations} errors={_n.GrainCallErrors}"));
    }

    // Grain calls: fired from the scheduler thread, never awaited there; results come back as events.

    private async Task StartAsync(int index, ICallGrain grain, CallArrival arrival)
    {
        try
        {
            var result = await grain.Start(arrival, _observerReference);
            _scheduler.Post(new SimAction(SimActionKind.StartCompleted, index, -1, 0, result));
        }
        catch (Exception ex)
        {
            _scheduler.Post(new SimAction(SimActionKind.GrainCallFailed, index, -1, 0, new GrainCallFailure("start", arrival.CallId, ex)));
        }
    }

    private async Task AnswerAsync(int index, int agent, string callId)
    {
        try
        {
            var connected = await _agentGrains[agent].Answer(callId);
            _scheduler.Post(new SimAction(SimActionKind.AnswerCompleted, index, agent, Value: connected ? 1 : 0));
        }
        catch (Exception ex)
        {
            _scheduler.Post(new SimAction(SimActionKind.GrainCallFailed, index, agent, 0, new GrainCallFailure("answer", $"{_plan.Agents[agent].Id}/{callId}", ex)));
        }
    }

    private async Task HangupAsync(int index, ICallGrain grain)
    {
        try
        {
            await grain.Hangup(CallParty.Caller);
            _scheduler.Post(new SimAction(SimActionKind.HangupCompleted, index, -1));
        }
        catch (Exception ex)
        {
            _scheduler.Post(new SimAction(SimActionKind.GrainCallFailed, index, -1, 0, new GrainCallFailure("hangup", _ids.CallId(index), ex)));
        }
    }

    private async Task RecoverAsync(int agent)
    {
        try
        {
            var snapshot = await _agentGrains[agent].GetSnapshot();
            var recovered = 0;
            if (snapshot.State == AgentState.NotReady && _scenario.Agents[_agentGroup[agent]].LoginReady)
            {
                await _agentGrains[agent].SetReady();
                recovered = 1;
            }
            _scheduler.Post(new SimAction(SimActionKind.RecoverCompleted, -1, agent, Payload: snapshot.ReasonCode, Value: recovered));
        }
        catch (Exception ex)
        {
            _scheduler.Post(new SimAction(SimActionKind.GrainCallFailed, -1, agent, 0, new GrainCallFailure("set-ready", _plan.Agents[agent].Id, ex)));
            _scheduler.Post(new SimAction(SimActionKind.RecoverCompleted, -1, agent, Value: 0));
        }
    }

    private sealed record GrainCallFailure(string Operation, string Target, Exception Exception);

    /// <summary>An agent answered <see cref="NextCall"/> while the simulator still had it on <see cref="PreviousCall"/>.</summary>
    private readonly record struct Suspect(int Agent, int PreviousCall, int NextCall);
}
