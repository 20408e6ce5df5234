namespace CallCenter.Silo.History;

/// <summary>
/// An auto-reset wake-up for one waiting loop: <see cref="Set"/> never blocks and costs almost
/// nothing when already set; <see cref="WaitAsync"/> returns when set, at the timeout, or when
/// cancelled (never throws). Signals may coalesce: the waiter re-reads the state it cares about.
/// </summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _source = NewSource();

    public void Set() => Volatile.Read(ref _source).TrySetResult();

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var source = Volatile.Read(ref _source);
        if (!source.Task.IsCompleted && timeout > TimeSpan.Zero && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await source.Task.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }
        if (source.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _source, NewSource(), source);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
