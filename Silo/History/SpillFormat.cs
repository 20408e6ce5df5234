using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CallCenter.Calls;
using CallCenter.History;
using CallCenter.Security;
using CallCenter.Tickets;

namespace CallCenter.Silo.History;

/// <summary>
/// The spill file format: UTF-8, one JSON object per line, each holding exactly one record under
/// the name of its kind, enums by name:
/// <code>
/// {"cdr":{"callId":"c1","callerNumber":"+4930...","outcome":"Completed",...}}
/// {"interval":{"agentId":"a1","state":"WrapUp","startedAt":"2025-01-01T10:00:00+00:00",...}}
/// {"queueEvent":{"queueId":"q1","callId":"c1","sequence":1,"kind":"Entered",...}}
/// </code>
/// Files are named <c>spill-{utc yyyyMMddTHHmmssfffffff}-{instance}-{n}.jsonl</c>; a file is written
/// as <c>.partial</c>, fsync'd, then renamed. A <c>.partial</c> file found at start-up was left by a
/// crash and is replayed up to its last whole line. <c>rejected-*.jsonl</c> files (same format) hold
/// records the database refused; they are never replayed automatically (rename one to
/// <c>spill-*.jsonl</c> to retry it).
/// </summary>
public static class SpillFormat
{
    public const string SpillPrefix = "spill-";
    public const string RejectedPrefix = "rejected-";
    public const string Extension = ".jsonl";
    public const string PartialExtension = ".partial";
    public const string LockFileName = "history-writer.lock";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private sealed class Line
    {
        public CallDetailRecord? Cdr { get; set; }
        public AgentStateInterval? Interval { get; set; }
        public QueueEvent? QueueEvent { get; set; }
        public TicketEvent? TicketEvent { get; set; }
        public AuditHistoryRecord? Audit { get; set; }
    }

    /// <summary>Writes one record as one line (with its newline).</summary>
    public static void Write(IBufferWriter<byte> output, object record)
    {
        var line = record switch
        {
            CallDetailRecord cdr => new Line { Cdr = cdr },
            AgentStateInterval interval => new Line { Interval = interval },
            QueueEvent queueEvent => new Line { QueueEvent = queueEvent },
            TicketEvent ticketEvent => new Line { TicketEvent = ticketEvent },
            AuditHistoryRecord audit => new Line { Audit = audit },
            _ => throw new ArgumentException($"not a history record: {record.GetType()}", nameof(record)),
        };
        using (var writer = new Utf8JsonWriter(output))
        {
            JsonSerializer.Serialize(writer, line, Json);
        }
        output.Write("\n"u8);
    }

    public static string ToLine(object record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, record);
        return Encoding.UTF8.GetString(buffer.WrittenSpan).TrimEnd('\n');
    }

    /// <summary>The record on one line, or null when the line is not a whole record (a torn last line).</summary>
    public static object? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            var parsed = JsonSerializer.Deserialize<Line>(line, Json);
            return (object?)parsed?.Cdr ?? (object?)parsed?.Interval ?? (object?)parsed?.QueueEvent ?? (object?)parsed?.TicketEvent ?? parsed?.Audit;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    internal static bool IsSpillFile(string path) =>
        Path.GetFileName(path).StartsWith(SpillPrefix, StringComparison.Ordinal) &&
        path.EndsWith(Extension, StringComparison.Ordinal);

    /// <summary>Spill files waiting in a folder, oldest first.</summary>
    public static IReadOnlyList<string> PendingFiles(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, SpillPrefix + "*" + Extension).Order(StringComparer.Ordinal).ToList()
            : [];
}

/// <summary>Appends records to a new spill file and makes them durable (fsync) in batches.</summary>
internal sealed class SpillFileWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly int _syncEvery;
    private readonly string _partialPath;
    private readonly string _finalPath;
    private int _unsynced;
    private bool _done;

    public SpillFileWriter(string folder, string prefix, string instance, long sequence, int syncEvery)
    {
        var name = $"{prefix}{DateTime.UtcNow:yyyyMMdd'T'HHmmssfffffff}-{instance}-{sequence:D6}";
        _partialPath = Path.Combine(folder, name + SpillFormat.PartialExtension);
        _finalPath = Path.Combine(folder, name + SpillFormat.Extension);
        _syncEvery = syncEvery;
        _stream = new FileStream(_partialPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024);
    }

    public int Count { get; private set; }

    public string FinalPath => _finalPath;

    public void Append(object record)
    {
        SpillFormat.Write(_buffer, record);
        Count++;
        if (_buffer.WrittenCount >= 48 * 1024)
        {
            _stream.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
        if (++_unsynced >= _syncEvery)
        {
            Sync();
        }
    }

    private void Sync()
    {
        _stream.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
        _stream.Flush(flushToDisk: true);
        _unsynced = 0;
    }

    /// <summary>Makes everything appended durable and closes the file (still under its .partial name).</summary>
    public void Complete()
    {
        Sync();
        _stream.Dispose();
    }

    /// <summary>Gives the completed file its final name: from now on it is replayed.</summary>
    public void Publish()
    {
        File.Move(_partialPath, _finalPath);
        _done = true;
    }

    public void Dispose()
    {
        if (!_done)
        {
            // Abandoned (an I/O error): the records it held are handed back to the caller, so the
            // half-written file must not be replayed as well... unless it cannot be removed, in
            // which case replaying duplicates is harmless (idempotent keys).
            try
            {
                _stream.Dispose();
                File.Delete(_partialPath);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
