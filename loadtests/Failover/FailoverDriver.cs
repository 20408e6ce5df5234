using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;

namespace CallCenter.LoadTests.Failover;

/// <summary>
/// The callers and the agents' phones of a failover run, driving a cluster through its client:
/// Poisson arrivals, phones that answer after 200-500 ms and hang up after an exponential talk
/// time from a random side, callers with exponential patience. It follows the recovery protocol:
/// every live call is re-asserted with KeepAlive every <see cref="Cycle"/> (a failed command is
/// retried on the next cycle, a caller's pending hang-up re-sent with it), every agent's phone
/// sends a Heartbeat every cycle. One timer queue, pumped every 10 ms, spreads all this evenly.
/// </summary>
public sealed partial class FailoverDriver : IAsyncDisposable
{
    public static readonly TimeSpan Cycle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Pump = TimeSpan.FromMilliseconds(10);

    private readonly IGrainFactory _grains;
    private readonly FailoverOptions _options;
    private readonly ErrorLog _errors;
    private readonly string _runTag;
    private readonly CallEntry?[] _calls;
    private readonly AgentEntry[] _agents;
    private readonly Dictionary<string, int> _agentIndex;
    private readonly ImmutableArray<QueueSettings> _queues;
    private readonly PriorityQueue<TimedAction, long> _timers = new();
    private readonly Lock _timersLock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CallObserver _observerObject;
    private readonly Phone _phoneObject;
    private readonly ICallObserver _observer;
    private readonly IAgentPhone _phone;
    private readonly long _cycleTicks = (long)(Cycle.TotalSeconds * Stopwatch.Frequency);
    private Task? _pumpTask;
    private int _placed;
    private long _startTimestamp;
    private volatile bool _arrivalsDone;

    private long _offered;
    private long _rejected;
    private long _ended;
    private long _startFailures;
    private long _startRetried;
    private long _foreignNotifications;
    private long _foreignRings;
    private long _ringsWhileBusy;
    private long _ringsEarly;
    private long _answered;
    private long _agentHangups;
    private long _callerHangups;
    private long _abandonRequests;
    private long _phoneResyncs;
    private long _notReadySeen;
    private long _loggedOutSeen;
    private long _connectedByKeepAlive;
    private readonly LatencySamples _startLatency = new();
    private readonly LatencySamples _answerLatency = new();
    private readonly LatencySamples _keepAliveLatency = new();
    private readonly LatencySamples _heartbeatLatency = new();

    public FailoverDriver(IGrainFactory grains, FailoverOptions options, ErrorLog errors, string runTag)
    {
        _grains = grains;
        _options = options;
        _errors = errors;
        _runTag = runTag;
        _calls = new CallEntry?[(int)Math.Ceiling(options.Rate * options.Seconds * 1.3) + 1000];
        _queues = [.. Enumerable.Range(1, options.Queues).Select(i => new QueueSettings
        {
            Id = $"fo-q{i}",
            Name = $"Failover queue {i}",
            Strategy = RoutingStrategy.LongestIdle,
            ServiceLevelThreshold = TimeSpan.FromSeconds(20),
            RingTimeout = TimeSpan.FromSeconds(15),
            WrapUp = TimeSpan.Zero,
        })];
        _agents = [.. Enumerable.Range(0, options.AgentCount).Select(i => new AgentEntry(i, $"fo-a{i + 1:00000}",
            _queues[i % _queues.Length].Id, grains.GetAgent($"fo-a{i + 1:00000}")))];
        _agentIndex = _agents.ToDictionary(a => a.Id, a => a.Index, StringComparer.Ordinal);
        _observerObject = new CallObserver(this);
        _phoneObject = new Phone(this);
        // Object references are weak: the driver holds the objects for as long as it runs.
        _observer = grains.CreateObjectReference<ICallObserver>(_observerObject);
        _phone = grains.CreateObjectReference<IAgentPhone>(_phoneObject);
    }

    public int AgentCount => _agents.Length;
    public IReadOnlyList<QueueSettings> Queues => _queues;
    public IReadOnlyList<string> AgentIds => [.. _agents.Select(a => a.Id)];
    public int Placed => Volatile.Read(ref _placed);
    public long Offered => Interlocked.Read(ref _offered);
    public long Ended => Interlocked.Read(ref _ended);
    public long Live => Placed - Ended;
    public bool ArrivalsDone => _arrivalsDone;

    private static long Now => Stopwatch.GetTimestamp();

    private long After(double seconds) => Now + (long)(seconds * Stopwatch.Frequency);

    /// <summary>Seconds since the first arrival.</summary>
    public double Elapsed => _startTimestamp == 0 ? 0 : Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;

    // ---- set-up ----

    /// <summary>The routing table (one route per queue: service fo-sN to queue fo-qN), the queues, the agents logged in and ready on the phone.</summary>
    public async Task SeedAsync(TextWriter progress, CancellationToken cancellationToken)
    {
        var routes = _queues.Select((q, i) => new ServiceRoute(ServiceOf(i), null, q.Id)).ToImmutableArray();
        await _grains.GetRoutingTable().Set(new RoutingTable([], routes, ImmutableDictionary<string, string>.Empty));
        foreach (var queue in _queues)
        {
            await _grains.GetQueue(queue.Id).Configure(queue);
        }
        var done = 0;
        await Parallel.ForEachAsync(_agents, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (agent, _) =>
        {
            await agent.Grain.Configure(new AgentProfile
            {
                Id = agent.Id,
                Name = $"Failover agent {agent.Index + 1}",
                Queues = ImmutableDictionary<string, int>.Empty.Add(agent.QueueId, 1),
            });
            await agent.Grain.Login(_phone, ready: true);
            if (Interlocked.Increment(ref done) % 500 == 0)
            {
                progress.WriteLine($"[failover] {done} of {_agents.Length} agents logged in");
            }
        });
    }

    private static string ServiceOf(int queueIndex) => $"fo-s{queueIndex + 1}";

    /// <summary>Starts the timer pump and the phones' heartbeats; arrivals start with <see cref="RunArrivalsAsync"/>.</summary>
    public void Start()
    {
        _startTimestamp = Now;
        for (var i = 0; i < _agents.Length; i++)
        {
            Schedule(ActionKind.Heartbeat, i, 0, _startTimestamp + _cycleTicks * i / _agents.Length);
        }
        _pumpTask = Task.Run(PumpAsync);
    }

    /// <summary>Poisson arrivals at the configured rate until the run's seconds are over.</summary>
    public async Task RunArrivalsAsync(CancellationToken cancellationToken)
    {
        var rate = _options.Rate;
        var end = _startTimestamp + (long)(_options.Seconds * Stopwatch.Frequency);
        var next = _startTimestamp;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                next += (long)(Exponential(1 / rate) * Stopwatch.Frequency);
                if (next >= end)
                {
                    break;
                }
                var wait = next - Now;
                if (wait > Stopwatch.Frequency / 1000)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken);
                }
                if (!PlaceCall())
                {
                    break;
                }
            }
            var rest = end - Now;
            if (rest > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)rest / Stopwatch.Frequency), cancellationToken);
            }
        }
        finally
        {
            _arrivalsDone = true;
        }
    }

    /// <summary>Waits until every placed call has ended (or <paramref name="limit"/>); true when none is left.</summary>
    public async Task<bool> WaitForDrainAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = Now + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (Live > 0 && Now < deadline)
        {
            await Task.Delay(200, cancellationToken);
        }
        return Live == 0;
    }

    // ---- the timer queue ----

    private enum ActionKind
    {
        KeepAlive,
        Patience,
        TalkEnd,
        Answer,
        Heartbeat,
        SetReady,
        Relogin,
        Recheck,
        PendingRing,
    }

    private readonly record struct TimedAction(ActionKind Kind, int Index, long Token);

    private void Schedule(ActionKind kind, int index, long token, long due)
    {
        lock (_timersLock)
        {
            _timers.Enqueue(new TimedAction(kind, index, token), due);
        }
    }

    private async Task PumpAsync()
    {
        var due = new List<(TimedAction Action, long At)>();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Pump, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = Now;
            lock (_timersLock)
            {
                while (_timers.TryPeek(out var action, out var at) && at <= now)
                {
                    _timers.Dequeue();
                    due.Add((action, at));
                }
            }
            foreach (var (action, at) in due)
            {
                try
                {
                    Dispatch(action, at);
                }
                catch (Exception ex)
                {
                    _errors.Record("driver", action.Kind.ToString(), ex);
                }
            }
            due.Clear();
        }
    }

    private void Dispatch(TimedAction action, long at)
    {
        switch (action.Kind)
        {
            case ActionKind.KeepAlive:
                OnKeepAliveDue(action.Index, at);
                break;
            case ActionKind.Patience:
                OnPatienceExpired(action.Index);
                break;
            case ActionKind.TalkEnd:
                OnTalkEnded(action.Index);
                break;
            case ActionKind.Answer:
                _ = AnswerAsync(action.Index, action.Token);
                break;
            case ActionKind.Heartbeat:
                OnHeartbeatDue(action.Index, at);
                break;
            case ActionKind.SetReady:
                _ = SetReadyAsync(action.Index);
                break;
            case ActionKind.Relogin:
                _ = ReloginAsync(action.Index);
                break;
            case ActionKind.Recheck:
                _ = RecheckAsync(action.Index);
                break;
            case ActionKind.PendingRing:
                OnPendingRingDue(action.Index, action.Token);
                break;
        }
    }

    private static double Exponential(double mean) => -Math.Log(1 - Random.Shared.NextDouble()) * mean;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_pumpTask is not null)
        {
            await _pumpTask;
        }
        _stop.Dispose();
    }

    /// <summary>Stops every timer: no more keep-alives, heartbeats, answers or hang-ups.</summary>
    public Task StopAsync() => _stop.CancelAsync();

    private sealed class CallObserver(FailoverDriver driver) : ICallObserver
    {
        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

        public Task CallEnded(CallDetailRecord record)
        {
            driver.OnCallEnded(record);
            return Task.CompletedTask;
        }
    }

    private sealed class Phone(FailoverDriver driver) : IAgentPhone
    {
        public Task Ring(Offer offer)
        {
            driver.OnRing(offer);
            return Task.CompletedTask;
        }

        public Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial) => Task.FromResult<string?>("the failover driver's phones do not dial out");

        public Task OfferWithdrawn(string agentId, string callId)
        {
            driver.OnOfferWithdrawn(agentId, callId);
            return Task.CompletedTask;
        }

        public Task CallEnded(string agentId, string callId)
        {
            driver.OnPhoneCallEnded(agentId, callId);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Latency samples (milliseconds) for percentiles; bounded reservoir.</summary>
public sealed class LatencySamples(int capacity = 200_000)
{
    private readonly List<double> _samples = [];
    private readonly Lock _lock = new();
    private double _max;

    public void Add(double milliseconds)
    {
        lock (_lock)
        {
            _max = Math.Max(_max, milliseconds);
            if (_samples.Count < capacity)
            {
                _samples.Add(milliseconds);
            }
        }
    }

    public LatencySummary Summary()
    {
        lock (_lock)
        {
            if (_samples.Count == 0)
            {
                return new LatencySummary(0, 0, 0, 0, 0);
            }
            var sorted = _samples.Order().ToArray();
            double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))];
            return new LatencySummary(sorted.Length, Math.Round(At(0.5), 1), Math.Round(At(0.99), 1), Math.Round(At(0.999), 1), Math.Round(_max, 1));
        }
    }
}

public sealed record LatencySummary(int Count, double P50, double P99, double P999, double Max);

/// <summary>First Start of each call; IAgentGrain.Answer; KeepAlive; Heartbeat.</summary>
public sealed record LatencyReport(LatencySummary Start, LatencySummary Answer, LatencySummary KeepAlive, LatencySummary Heartbeat);

/// <summary>What the phones and callers did, for the result.</summary>
public sealed record DriverCounters
{
    public int Placed { get; init; }
    public long Offered { get; init; }
    public long Rejected { get; init; }
    public long Ended { get; init; }
    /// <summary>Start attempts that threw (each retried with the same call id).</summary>
    public long StartFailed { get; init; }
    /// <summary>Calls that needed more than one Start.</summary>
    public long StartRetried { get; init; }
    public long Answered { get; init; }
    public long AgentHangups { get; init; }
    public long CallerHangups { get; init; }
    public long AbandonRequests { get; init; }
    /// <summary>Calls found connected by a keep-alive whose phone never learnt it had answered.</summary>
    public long ConnectedByKeepAlive { get; init; }
    /// <summary>Rings that overtook the notice ending the phone's previous step (held until it came, at most a second).</summary>
    public long RingsEarly { get; init; }
    /// <summary>Rings for an agent whose phone was still busy a second later (the phone then drops its call and takes the ring).</summary>
    public long RingsWhileBusy { get; init; }
    public long ForeignRings { get; init; }
    public long ForeignNotifications { get; init; }
    /// <summary>Phones that gave up a call the agent no longer had, after three heartbeats without the agent's notice.</summary>
    public long PhoneResyncs { get; init; }
    public long NotReadySeen { get; init; }
    public long LoggedOutSeen { get; init; }
    /// <summary>Confirmed disagreements between an agent and its phone over the whole run.</summary>
    public long Inconsistencies { get; init; }
}

public sealed partial class FailoverDriver
{
    public DriverCounters Counters() => new()
    {
        Placed = Placed,
        Offered = Offered,
        Rejected = Interlocked.Read(ref _rejected),
        Ended = Ended,
        StartFailed = Interlocked.Read(ref _startFailures),
        StartRetried = Interlocked.Read(ref _startRetried),
        Answered = Interlocked.Read(ref _answered),
        AgentHangups = Interlocked.Read(ref _agentHangups),
        CallerHangups = Interlocked.Read(ref _callerHangups),
        AbandonRequests = Interlocked.Read(ref _abandonRequests),
        ConnectedByKeepAlive = Interlocked.Read(ref _connectedByKeepAlive),
        RingsEarly = Interlocked.Read(ref _ringsEarly),
        RingsWhileBusy = Interlocked.Read(ref _ringsWhileBusy),
        ForeignRings = Interlocked.Read(ref _foreignRings),
        ForeignNotifications = Interlocked.Read(ref _foreignNotifications),
        PhoneResyncs = Interlocked.Read(ref _phoneResyncs),
        NotReadySeen = Interlocked.Read(ref _notReadySeen),
        LoggedOutSeen = Interlocked.Read(ref _loggedOutSeen),
        Inconsistencies = Interlocked.Read(ref _inconsistencies),
    };

    /// <summary>Round trips of the driver's grain calls that succeeded, in milliseconds.</summary>
    public LatencyReport Latencies() => new(_startLatency.Summary(), _answerLatency.Summary(), _keepAliveLatency.Summary(), _heartbeatLatency.Summary());
}
