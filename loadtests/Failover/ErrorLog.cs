using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CallCenter.LoadTests.Failover;

/// <summary>
/// Failed grain calls, counted by operation and exception type (a failover makes many: the driver
/// retries them on its next cycle). The first few thousand go to errors.log with their call or agent.
/// </summary>
public sealed class ErrorLog(string path, long startTimestamp, int maxLogged = 5000) : IDisposable
{
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
        var at = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
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

    public void Note(string line)
    {
        var at = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
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
