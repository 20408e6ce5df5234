using System.Collections.Concurrent;
using CallCenter.Time;

namespace CallCenter.LoadTests.Scheduling;

/// <summary>Runs the simulator's actions; called on the scheduler's own thread only.</summary>
public interface IScenarioActionHandler<T>
    where T : struct
{
    void Handle(in T action);
}

/// <summary>
/// A scenario-time scheduler: a priority queue of timed actions keyed by scenario time, plus an
/// inbox of events posted from other threads (phone rings, call records, grain call results),
/// drained by one loop on a dedicated thread that sleeps in wall time between due actions.
/// Everything the handler touches is therefore single-threaded; the handler fires grain calls
/// without awaiting them and learns their results through the inbox.
/// Actions are structs, so a scheduled action allocates nothing once the heap has grown.
/// </summary>
public sealed class ScenarioScheduler<T>
    where T : struct
{
    /// <summary>Wait at most this long when nothing is due, so <see cref="Stop"/> is seen promptly.</summary>
    private const int IdleWaitMilliseconds = 50;
    private const int BatchLimit = 4096;

    private readonly PriorityQueue<T, DueKey> _timed = new(1024, DueKey.Comparer);
    private readonly ConcurrentQueue<T> _inbox = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 1);
    private readonly TimeProvider _clock;
    private long _sequence;
    private int _sleeping;
    private volatile bool _stopping;
    private volatile bool _looping;
    private long _dispatched;
    private long _posted;
    private Thread? _thread;

    public ScenarioScheduler(TimeProvider clock)
    {
        _clock = clock;
        Speed = clock is ScaledTimeProvider scaled ? scaled.Speed : 1;
    }

    public double Speed { get; }

    /// <summary>Scenario time now, as clock ticks (100 ns).</summary>
    public long Now => _clock.GetUtcNow().UtcTicks;

    /// <summary>How late timed actions ran, in wall microseconds (scheduler thread only).</summary>
    public LatencyHistogram Lateness { get; } = new();

    public long Dispatched => Interlocked.Read(ref _dispatched);
    public long Posted => Interlocked.Read(ref _posted);
    public int Pending => _timed.Count;
    public long Faults { get; private set; }
    public Exception? FirstFault { get; private set; }
    public bool IsRunning => _looping;

    /// <summary>Schedules an action at scenario time <paramref name="dueTicks"/>. Scheduler thread (or before start) only.</summary>
    public void Schedule(long dueTicks, in T action) => _timed.Enqueue(action, new DueKey(dueTicks, _sequence++));

    /// <summary>Hands an event to the loop from any thread; it runs before the next timed action.</summary>
    public void Post(in T action)
    {
        _inbox.Enqueue(action);
        Interlocked.Increment(ref _posted);
        if (Volatile.Read(ref _sleeping) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// After the loop has stopped: runs the events already posted (records, grain call results)
    /// on the calling thread, so nothing that arrived before the end goes uncounted.
    /// </summary>
    public int RunPosted(IScenarioActionHandler<T> handler)
    {
        if (_looping)
        {
            throw new InvalidOperationException("the loop is still running");
        }
        var count = 0;
        while (_inbox.TryDequeue(out var posted))
        {
            Dispatch(handler, posted);
            count++;
        }
        return count;
    }

    public void Stop()
    {
        _stopping = true;
        _wake.Set();
    }

    /// <summary>Starts the loop on a dedicated thread; the task completes when the loop ends.</summary>
    public Task Start(IScenarioActionHandler<T> handler)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() =>
        {
            try
            {
                Run(handler);
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "scenario-scheduler",
        };
        _thread.Start();
        return done.Task;
    }

    /// <summary>Runs the loop on the calling thread until <see cref="Stop"/>.</summary>
    public void Run(IScenarioActionHandler<T> handler)
    {
        _looping = true;
        try
        {
            Loop(handler);
        }
        finally
        {
            _looping = false;
        }
    }

    private void Loop(IScenarioActionHandler<T> handler)
    {
        var ticksPerWallMicrosecond = TimeSpan.TicksPerMillisecond / 1000.0 * Speed;
        while (!_stopping)
        {
            var work = 0;
            while (work < BatchLimit && _inbox.TryDequeue(out var posted))
            {
                Dispatch(handler, posted);
                work++;
            }

            var now = Now;
            while (work < BatchLimit && _timed.TryPeek(out _, out var key) && key.Due <= now && !_stopping)
            {
                var action = _timed.Dequeue();
                Lateness.Record((long)((now - key.Due) / ticksPerWallMicrosecond));
                Dispatch(handler, action);
                work++;
                if ((work & 63) == 0)
                {
                    now = Now;
                }
            }
            if (work > 0)
            {
                continue;
            }

            var wait = WaitMilliseconds();
            if (wait == 0)
            {
                // Due within the millisecond: a millisecond wait would overshoot by up to a
                // millisecond, which a fast clock turns into tenths of scenario seconds.
                PreciseSleep.Sleep(WallTicksUntilNextDue());
                continue;
            }
            _wake.Reset();
            Interlocked.Exchange(ref _sleeping, 1);
            if (_inbox.IsEmpty && !_stopping)
            {
                _wake.Wait(wait);
            }
            Volatile.Write(ref _sleeping, 0);
        }
    }

    /// <summary>Whole milliseconds of wall time to sleep before the next timed action; 0 when it is less than one away.</summary>
    private int WaitMilliseconds()
    {
        if (!_timed.TryPeek(out _, out var key))
        {
            return IdleWaitMilliseconds;
        }
        var remaining = key.Due - Now;
        if (remaining <= 0)
        {
            return 0;
        }
        var wallMilliseconds = remaining / Speed / TimeSpan.TicksPerMillisecond;
        return (int)Math.Min(IdleWaitMilliseconds, Math.Floor(wallMilliseconds));
    }

    private long WallTicksUntilNextDue() =>
        _timed.TryPeek(out _, out var key) ? (long)((key.Due - Now) / Speed) : 0;

    private void Dispatch(IScenarioActionHandler<T> handler, in T action)
    {
        try
        {
            handler.Handle(action);
        }
        catch (Exception ex)
        {
            Faults++;
            FirstFault ??= ex;
        }
        _dispatched++;
    }

    private readonly record struct DueKey(long Due, long Sequence)
    {
        public static readonly IComparer<DueKey> Comparer = Comparer<DueKey>.Create(static (a, b) =>
        {
            var c = a.Due.CompareTo(b.Due);
            return c != 0 ? c : a.Sequence.CompareTo(b.Sequence);
        });
    }
}
