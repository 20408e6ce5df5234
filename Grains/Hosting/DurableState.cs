using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace CallCenter.Hosting;

/// <summary>
/// Whether the live state of calls and agents is written to grain storage, and a breaker that
/// stops trying while storage is unreachable. With memory storage nothing survives a crash, so
/// the writes are skipped (they would only cost a hop). With PostgreSQL, a write that fails
/// opens the breaker for <see cref="RetryAfter"/>: calls go on being routed from memory
/// meanwhile (a database outage must not stop routing) and durability resumes when it is back.
/// </summary>
public sealed class DurableState(bool enabled, TimeProvider time, ILogger<DurableState> logger, IReadOnlyList<TimeSpan>? readRetryDelays = null)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits between the attempts of a read that failed while storage was thought reachable: a
    /// pool timeout or a dropped connection under load passes, and a grain that concludes "I cannot
    /// know my past" too early refuses work it could have done.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultReadRetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)];

    private readonly IReadOnlyList<TimeSpan> _readRetryDelays = readRetryDelays ?? DefaultReadRetryDelays;
    private long _retryAtTicks;
    private long _failures;
    private long _skipped;
    private long _readRetries;
    private long _readFailures;

    public bool Enabled => enabled;

    public long Failures => Interlocked.Read(ref _failures);

    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Read attempts repeated after a failure.</summary>
    public long ReadRetries => Interlocked.Read(ref _readRetries);

    /// <summary>Reads that failed every attempt (or found the breaker open) and answered null.</summary>
    public long ReadFailures => Interlocked.Read(ref _readFailures);

    /// <summary>
    /// Reads a grain's state: true when a stored record was found, false when there is none (or
    /// durability is off), null when it could not be read (the database is unreachable or the
    /// breaker is open) — then the grain does not know whether it has a past. A failed attempt is
    /// repeated after each of the read-retry delays before the breaker opens and null is answered;
    /// with the breaker already open (a known outage) null is answered at once.
    /// </summary>
    public async Task<bool?> ReadAsync<T>(IPersistentState<T> state)
    {
        if (!enabled)
        {
            return false;
        }
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _retryAtTicks))
        {
            Interlocked.Increment(ref _readFailures);
            return null;
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await state.ReadStateAsync();
                return state.RecordExists;
            }
            catch (Exception ex)
            {
                if (attempt >= _readRetryDelays.Count)
                {
                    Interlocked.Increment(ref _readFailures);
                    Trip(ex);
                    return null;
                }
                Interlocked.Increment(ref _readRetries);
                logger.LogDebug(ex, "A grain state read failed (attempt {Attempt}); trying again", attempt + 1);
            }
            if (_readRetryDelays[attempt] > TimeSpan.Zero)
            {
                await Task.Delay(_readRetryDelays[attempt], time);
            }
        }
    }

    /// <summary>
    /// Writes (or clears) a grain's state unless durability is off or the breaker is open; returns
    /// whether the state is now stored. A stale ETag (a write whose reply was lost) is re-read and
    /// written once more. Never throws for storage reasons.
    /// </summary>
    public async Task<bool> TryAsync<T>(IPersistentState<T> state, bool clear = false)
    {
        if (!enabled)
        {
            return false;
        }
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _retryAtTicks))
        {
            Interlocked.Increment(ref _skipped);
            return false;
        }
        try
        {
            try
            {
                await (clear ? state.ClearStateAsync() : state.WriteStateAsync());
            }
            catch (InconsistentStateException)
            {
                var wanted = state.State;
                await state.ReadStateAsync();
                state.State = wanted;
                await (clear ? state.ClearStateAsync() : state.WriteStateAsync());
            }
            return true;
        }
        catch (Exception ex)
        {
            Trip(ex);
            return false;
        }
    }

    private void Trip(Exception ex)
    {
        Interlocked.Increment(ref _failures);
        var retryAt = time.GetUtcNow() + RetryAfter;
        var previous = Interlocked.Exchange(ref _retryAtTicks, retryAt.UtcTicks);
        if (previous < time.GetUtcNow().UtcTicks)
        {
            logger.LogWarning(ex, "Grain storage is unreachable: live state is kept in memory only for {Seconds} s", RetryAfter.TotalSeconds);
        }
    }
}
