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
public sealed class DurableState(bool enabled, TimeProvider time, ILogger<DurableState> logger)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private long _retryAtTicks;
    private long _failures;
    private long _skipped;

    public bool Enabled => enabled;

    public long Failures => Interlocked.Read(ref _failures);

    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Reads stored state unless durability is off or the breaker is open; false when there is nothing to read.</summary>
    /// <summary>
    /// Reads a grain's state: true when a stored record was found, false when there is none (or
    /// durability is off), null when it could not be read (the database is unreachable or the
    /// breaker is open) — then the grain does not know whether it has a past.
    /// </summary>
    public async Task<bool?> ReadAsync<T>(IPersistentState<T> state)
    {
        if (!enabled)
        {
            return false;
        }
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _retryAtTicks))
        {
            return null;
        }
        try
        {
            await state.ReadStateAsync();
            return state.RecordExists;
        }
        catch (Exception ex)
        {
            Trip(ex);
            return null;
        }
    }

    public async Task<bool> TryReadAsync<T>(IPersistentState<T> state)
    {
        if (!enabled || time.GetUtcNow().UtcTicks < Interlocked.Read(ref _retryAtTicks))
        {
            return false;
        }
        try
        {
            await state.ReadStateAsync();
            return state.RecordExists;
        }
        catch (Exception ex)
        {
            Trip(ex);
            return false;
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
