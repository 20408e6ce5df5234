namespace CallCenter.Web.Shared;

/// <summary>
/// Batches render requests of one live screen: the first request after a quiet spell renders at
/// once, later ones within <c>minGap</c> of the previous render collapse into one render at the
/// end of the gap. So a screen renders at most once per gap and never misses the last update.
/// </summary>
public sealed class RenderThrottle(TimeProvider time, TimeSpan minGap, Action render) : IDisposable
{
    private readonly Lock _gate = new();
    private DateTimeOffset _lastRender = DateTimeOffset.MinValue;
    private ITimer? _pending;
    private bool _disposed;

    public void Request()
    {
        lock (_gate)
        {
            if (_disposed || _pending is not null)
            {
                return;
            }
            var wait = _lastRender == DateTimeOffset.MinValue ? TimeSpan.Zero : _lastRender + minGap - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                _pending = time.CreateTimer(_ => Fire(), null, wait, Timeout.InfiniteTimeSpan);
                return;
            }
            _lastRender = time.GetUtcNow();
        }
        render();
    }

    private void Fire()
    {
        lock (_gate)
        {
            _pending?.Dispose();
            _pending = null;
            if (_disposed)
            {
                return;
            }
            _lastRender = time.GetUtcNow();
        }
        render();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _pending?.Dispose();
            _pending = null;
        }
    }
}
