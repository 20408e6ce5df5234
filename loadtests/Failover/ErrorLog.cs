using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CallCenter.LoadTests.Failover;

/// <summary>
/// Failed grain calls, counted by operation and exception type (a failover makes many: the driver
/// retries them on its next cycle). The first few thousand go to errors.log with their call or
/// agent, with notes (disagreements, early rings, problems), timed in seconds from
/// <see cref="StartClock"/> (the first arrival, as in the progress lines).
/// </summary>
public sealed class ErrorLog(string path, long startTimestamp, int maxLogged = 5000, int maxNotes = 20000) : IDisposable
{
    private long _origin = startTimestamp;
    private long _notes;

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
    private readonly Lock _lock = new();
    private long _total;
    private long _logged;
    private bool _disposed;

    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyDictionary<string, long> Counts => new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);

    public void Record(string operation, string subject, Exception exception)
    {
        var ex = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception;
        Interlocked.Increment(ref _total);
        _counts.AddOrUpdate($"{operation}: {ex.GetType().Name}", 1, (_, n) => n + 1);
        if (Interlocked.Increment(ref _logged) > maxLogged)
        {
            return;
        }
        var at = Seconds();
        var message = ex.Message.ReplaceLineEndings(" ");
        if (message.Length > 400)
        {
            message = message[..400] + "...";
        }
        lock (_lock)
        {
            if (!_disposed)
            {
                _writer.WriteLine($"{at,9} {operation} {subject}: {ex.GetType().FullName}: {message}");
            }
        }
    }

    /// <summary>From now on lines are timed from here.</summary>
    public void StartClock() => Interlocked.Exchange(ref _origin, Stopwatch.GetTimestamp());

    private string Seconds() =>
        ((double)(Stopwatch.GetTimestamp() - Interlocked.Read(ref _origin)) / Stopwatch.Frequency).ToString("0.000", CultureInfo.InvariantCulture);

    /// <param name="always">Written even past the cap on notes (the reconciliation's problems).</param>
    public void Note(string line, bool always = false)
    {
        if (Interlocked.Increment(ref _notes) > maxNotes && !always)
        {
            return;
        }
        var at = Seconds();
        lock (_lock)
        {
            if (!_disposed)
            {
                _writer.WriteLine($"{at,9} {line}");
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _writer.Dispose();
        }
    }
}
