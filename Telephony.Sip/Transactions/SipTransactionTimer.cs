namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>
/// One named RFC 3261 timer of a transaction on an injected <see cref="TimeProvider"/>. Restarting or stopping it
/// makes any callback already in flight a no-op, so a late firing can never act on a newer state.
/// </summary>
internal sealed class SipTransactionTimer(TimeProvider time, Action onFire) : IDisposable
{
    private readonly object _gate = new();
    private ITimer? _timer;
    private long _generation;

    public TimeSpan Interval { get; private set; }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _timer is not null;
            }
        }
    }

    public void Start(TimeSpan interval)
    {
        lock (_gate)
        {
            _timer?.Dispose();
            Interval = interval;
            var generation = ++_generation;
            _timer = time.CreateTimer(_ => Fire(generation), null, interval, Timeout.InfiniteTimeSpan);
        }
    }

    public void Stop()
    {
        lock (_gate)
        {
            _generation++;
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void Dispose() => Stop();

    private void Fire(long generation)
    {
        lock (_gate)
        {
            if (generation != _generation)
            {
                return;
            }

            _timer?.Dispose();
            _timer = null;
        }

        onFire();
    }
}
