using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CallCenter.Calls;
using CallCenter.History;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using CallCenter.Security;
using CallCenter.Tickets;

namespace CallCenter.Silo.History;

/// <summary>
/// The silo's call-detail-record and history sink backed by PostgreSQL (deploy/sql/0010-history.sql).
/// <para>
/// <b>Hot path.</b> <c>WriteAsync</c> only enqueues into memory and returns a completed task: it
/// never waits for the database or the disk and never throws for their sake.
/// </para>
/// <para>
/// <b>Batches.</b> One background loop takes up to <see cref="HistoryWriterOptions.BatchSize"/>
/// records (or what has arrived after <see cref="HistoryWriterOptions.FlushInterval"/>) and writes
/// them in one transaction: binary COPY into staging tables, then INSERT ... ON CONFLICT DO NOTHING
/// on each table's key (call_id; agent_id, started_at; queue_id, call_id, sequence), so a record
/// written twice leaves one row. A failed batch is kept and retried with exponential back-off.
/// A record the database refuses as data (SQLSTATE class 22/23) is isolated by splitting the batch
/// and kept in a <c>rejected-*.jsonl</c> file instead of blocking the others.
/// </para>
/// <para>
/// <b>Outages.</b> Records stay in memory up to <see cref="HistoryWriterOptions.BufferCapacity"/>;
/// beyond it a second loop moves the oldest to an append-only spill file (one JSON line per record,
/// fsync'd in batches, see <see cref="SpillFormat"/>) until a quarter of the buffer is free again.
/// Once writes succeed, the loop replays the spill files in batches between memory batches and
/// deletes each file only after all its rows committed. A crash between commit and delete replays
/// a file again, which the keys make harmless.
/// </para>
/// <para>
/// <b>Shutdown.</b> <see cref="StopAsync"/> writes what it can within
/// <see cref="HistoryWriterOptions.ShutdownTimeout"/> and spills the rest; records handed over
/// afterwards are spilled by <see cref="DisposeAsync"/> (or, after disposal, one by one).
/// <see cref="StartAsync"/> replays the spill files an earlier run left, including the
/// <c>.partial</c> file of a crash, up to its last whole line.
/// </para>
/// </summary>
public sealed class PostgresHistoryWriter : ICallDetailRecordSink, ICallRecordLookup, IHistorySink, ITicketHistorySink, IAuditHistorySink, IHostedService, IAsyncDisposable, IDisposable
{
    private const int Created = 0, Running = 1, Stopping = 2, Stopped = 3, Disposed = 4;

    private readonly HistoryWriterOptions _options;
    private readonly ILogger _logger;
    private readonly HistoryBatchCopier _copier;
    private readonly ConcurrentQueue<object> _queue = new();
    // Call records whose writers wait until they are durable: committed, or fsync'd to a spill file.
    private readonly ConcurrentDictionary<CallDetailRecord, TaskCompletionSource> _waiters = new(ReferenceEqualityComparer.Instance);
    private volatile bool _outage;
    private long _durabilityCopies;
    private SpillFileWriter? _outageFile;
    private readonly AsyncSignal _dataSignal = new();
    private readonly AsyncSignal _spillSignal = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _spillLock = new();
    private readonly Lock _filesLock = new();
    private readonly string _instance = Guid.NewGuid().ToString("N")[..8];

    private Task _flusher = Task.CompletedTask;
    private Task _spiller = Task.CompletedTask;
    private FileStream? _folderLock;
    private int _state;
    private int _disposed;
    private int _activeWriters;
    private long _spillSequence;
    private volatile bool _spillFailing;
    private volatile bool _reachable;
    private volatile ErrorInfo? _lastError;
    private DateTimeOffset? _lastWarned;

    private long _accepted, _committed, _rowsWritten, _batches, _queued, _inFlight, _spilled, _replayed, _rejected, _dropped;
    private int _spillFiles;

    // Owned by the flusher loop.
    private readonly List<object> _batch = [];
    private ReplayCursor? _replay;

    public PostgresHistoryWriter(HistoryWriterOptions options, ILogger<PostgresHistoryWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Checked();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _copier = new HistoryBatchCopier(_options.ConnectionString, _options.CommandTimeoutSeconds);
    }

    public HistoryWriterOptions Options => _options;

    /// <summary>The counters, read now.</summary>
    public HistoryWriterCounters Counters
    {
        get
        {
            var error = _lastError;
            return new HistoryWriterCounters(
                Accepted: Interlocked.Read(ref _accepted),
                Committed: Interlocked.Read(ref _committed),
                RowsWritten: Interlocked.Read(ref _rowsWritten),
                Batches: Interlocked.Read(ref _batches),
                Buffered: Math.Max(0, Interlocked.Read(ref _queued)) + Interlocked.Read(ref _inFlight),
                Spilled: Interlocked.Read(ref _spilled),
                Replayed: Interlocked.Read(ref _replayed),
                SpillFiles: Volatile.Read(ref _spillFiles),
                Rejected: Interlocked.Read(ref _rejected),
                Dropped: Interlocked.Read(ref _dropped),
                DatabaseReachable: _reachable,
                LastError: error?.Message,
                LastErrorAt: error?.At,
                DurabilityCopies: Interlocked.Read(ref _durabilityCopies));
        }
    }

    /// <summary>
    /// Completes when the record is durable: committed to PostgreSQL, or — while the database is
    /// unreachable — fsync'd to a spill file (replayed later; the row's key makes the second
    /// write harmless). The call grain tells the parties the call ended only after this, so a
    /// crash never leaves an ended call without its record.
    /// </summary>
    public ValueTask WriteAsync(CallDetailRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_outage || Volatile.Read(ref _state) >= Stopping)
        {
            Interlocked.Increment(ref _accepted);
            SpillDurably(record);
            return ValueTask.CompletedTask;
        }
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[record] = durable;
        Accept(record);
        if (_outage)
        {
            // An outage began while we were queueing it.
            ReleaseWaitersBySpilling();
        }
        return new ValueTask(durable.Task);
    }

    /// <summary>Whether the call's record is committed; null when the database cannot be asked now.</summary>
    public async ValueTask<bool?> HasRecordAsync(string callId)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_options.ConnectionString);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM call_detail_records WHERE call_id = @id)", connection);
            command.Parameters.AddWithValue("id", callId);
            return (bool)(await command.ExecuteScalarAsync(timeout.Token))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            return null;
        }
    }

    private void Acknowledge(List<object> committed)
    {
        if (_waiters.IsEmpty)
        {
            return;
        }
        foreach (var record in committed)
        {
            if (record is CallDetailRecord cdr && _waiters.TryRemove(cdr, out var durable))
            {
                durable.TrySetResult();
            }
        }
    }

    /// <summary>The database is away: every call record still waiting is made durable on disk now.</summary>
    private void ReleaseWaitersBySpilling()
    {
        foreach (var record in _waiters.Keys)
        {
            if (_waiters.TryRemove(record, out var durable))
            {
                // A second copy, on disk; the one in memory is written too when the database is
                // back (the key makes that harmless). Counted as a hand-over of its own, so that
                // every accepted copy is committed exactly once.
                Interlocked.Increment(ref _accepted);
                Interlocked.Increment(ref _durabilityCopies);
                SpillDurably(record);
                durable.TrySetResult();
            }
        }
    }

    public ValueTask WriteAsync(AgentStateInterval interval)
    {
        Accept(interval);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(QueueEvent queueEvent)
    {
        Accept(queueEvent);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(TicketEvent ticketEvent)
    {
        Accept(ticketEvent);
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAsync(AuditHistoryRecord record)
    {
        Accept(record);
        return ValueTask.CompletedTask;
    }

    private void Accept(object record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _activeWriters);
        try
        {
            if (Volatile.Read(ref _state) == Disposed)
            {
                SpillOne(record);
                return;
            }
            var buffered = Interlocked.Read(ref _queued) + Interlocked.Read(ref _inFlight);
            if (_spillFailing && buffered >= 2L * _options.BufferCapacity)
            {
                // Neither the database nor the spill folder takes records: shed them rather than
                // let the silo run out of memory (routing comes first). Counted and reported.
                Interlocked.Increment(ref _dropped);
                return;
            }
            _queue.Enqueue(record);
        }
        finally
        {
            Interlocked.Decrement(ref _activeWriters);
        }
        var queued = Interlocked.Increment(ref _queued);
        if (queued == _options.BatchSize)
        {
            _dataSignal.Set();
        }
        if (queued + Interlocked.Read(ref _inFlight) > _options.BufferCapacity)
        {
            _spillSignal.Set();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Running, Created) != Created)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Disposed, this);
            return Task.CompletedTask;
        }
        var folder = _options.SpillFolder;
        try
        {
            Directory.CreateDirectory(folder);
            try
            {
                _folderLock = new FileStream(Path.Combine(folder, SpillFormat.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new InvalidOperationException($"The history spill folder {folder} is in use by another writer; give each silo its own folder.", ex);
            }
            // A crash leaves the file it was spilling to as .partial: replay it too.
            foreach (var partial in Directory.EnumerateFiles(folder, "*" + SpillFormat.PartialExtension).ToList())
            {
                File.Move(partial, Path.ChangeExtension(partial, SpillFormat.Extension));
            }
            var pending = SpillFormat.PendingFiles(folder).Count;
            lock (_filesLock)
            {
                _spillFiles += pending;
            }
            if (pending > 0)
            {
                _logger.LogInformation("History writer: {Files} spill file(s) in {Folder} will be replayed", pending, folder);
            }
        }
        catch
        {
            // The spill folder is unusable: a configuration error, reported at start-up.
            _folderLock?.Dispose();
            _folderLock = null;
            Volatile.Write(ref _state, Created);
            throw;
        }
        _flusher = Task.Run(RunFlusherAsync, CancellationToken.None);
        _spiller = Task.Run(RunSpillerAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Stopping, Running) != Running)
        {
            return;
        }
        // The flusher stops waiting and writes what memory holds until it is empty or a write fails.
        _stop.Cancel();
        _dataSignal.Set();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.ShutdownTimeout);
            await WaitQuietlyAsync(_flusher, timeout.Token);
        }
        // Out of time: abandon the write in progress (its records go back to memory) and spill.
        _abort.Cancel();
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await WaitQuietlyAsync(_flusher, grace.Token);
            await WaitQuietlyAsync(_spiller, grace.Token);
        }
        if (!_flusher.IsCompleted)
        {
            _logger.LogError("History writer: a database write did not end when cancelled; its batch was not spilled");
        }
        SpillAll("shutdown");
        Volatile.Write(ref _state, Stopped);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await StopAsync(CancellationToken.None);
        Volatile.Write(ref _state, Disposed);
        // Writers that saw the old state have enqueued by the time the count drops to zero.
        var spin = new SpinWait();
        while (Volatile.Read(ref _activeWriters) != 0)
        {
            spin.SpinOnce();
        }
        PublishOutageFile();
        SpillAll("disposal");
        foreach (var record in _waiters.Keys)
        {
            // Spilled just above with everything else in memory.
            if (_waiters.TryRemove(record, out var durable))
            {
                durable.TrySetResult();
            }
        }
        _replay?.Dispose();
        _replay = null;
        _folderLock?.Dispose();
        _folderLock = null;
        await _copier.DisposeAsync();
    }

    /// <summary>For containers disposed synchronously; runs <see cref="DisposeAsync"/> off the caller's context.</summary>
    public void Dispose() => Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();

    private static async Task WaitQuietlyAsync(Task task, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ------------------------------------------------------------------------------------------
    // The flusher: memory batches, spill replay, retries.
    // ------------------------------------------------------------------------------------------

    private async Task RunFlusherAsync()
    {
        var backoff = _options.RetryInitialDelay;
        var flushDue = Stopwatch.GetTimestamp();
        try
        {
            while (!_abort.IsCancellationRequested)
            {
                var draining = _stop.IsCancellationRequested;
                var worked = false;
                var failed = false;

                if (_batch.Count == 0)
                {
                    var due = Stopwatch.GetTimestamp() >= flushDue;
                    if (draining || due || Interlocked.Read(ref _queued) >= _options.BatchSize)
                    {
                        TakeBatch();
                        if (due || _batch.Count > 0)
                        {
                            flushDue = Stopwatch.GetTimestamp() + (long)(_options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
                        }
                    }
                }
                if (_batch.Count > 0)
                {
                    failed = !await TryWriteAsync(_batch, replayed: false);
                    Interlocked.Exchange(ref _inFlight, _batch.Count);
                    worked = !failed;
                }
                if (!failed && !draining && Volatile.Read(ref _spillFiles) > 0)
                {
                    var replay = await TryReplayChunkAsync();
                    failed = replay is null;
                    worked |= replay == true;
                }
                if (!failed && !worked && !_reachable && !draining)
                {
                    failed = !await TryConnectAsync();
                }

                if (draining)
                {
                    if (failed || (_batch.Count == 0 && _queue.IsEmpty))
                    {
                        return;
                    }
                    continue;
                }
                if (failed)
                {
                    await DelayQuietlyAsync(Jitter(backoff), _stop.Token);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.RetryMaxDelay.Ticks));
                    continue;
                }
                backoff = _options.RetryInitialDelay;
                if (Interlocked.Read(ref _queued) >= _options.BatchSize || (worked && (_replay is not null || Volatile.Read(ref _spillFiles) > 0)))
                {
                    continue;
                }
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), flushDue);
                await _dataSignal.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _stop.Token);
            }
        }
        catch (Exception ex)
        {
            // Not expected (every write error is handled): keep the records, report, and let
            // shutdown spill them.
            RecordError("history writer loop", ex);
            _logger.LogError(ex, "History writer: the write loop stopped");
        }
        finally
        {
            // Whatever is not committed goes back to memory, for shutdown to spill.
            foreach (var record in _batch)
            {
                _queue.Enqueue(record);
                Interlocked.Increment(ref _queued);
            }
            _batch.Clear();
            Interlocked.Exchange(ref _inFlight, 0);
        }
    }

    private void TakeBatch()
    {
        while (_batch.Count < _options.BatchSize && _queue.TryDequeue(out var record))
        {
            _batch.Add(record);
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _inFlight);
        }
    }

    /// <summary>
    /// Writes the records, splitting the batch around records the database refuses. True when all
    /// were committed (or rejected); false after a connection failure, with the records still to
    /// write left in <paramref name="records"/>.
    /// </summary>
    private async Task<bool> TryWriteAsync(List<object> records, bool replayed)
    {
        var work = new Stack<List<object>>();
        work.Push([.. records]);
        while (work.Count > 0)
        {
            var segment = work.Pop();
            try
            {
                var inserted = await _copier.WriteAsync(segment, _abort.Token);
                Acknowledge(segment);
                Interlocked.Add(ref _committed, segment.Count);
                Interlocked.Add(ref _rowsWritten, inserted);
                Interlocked.Increment(ref _batches);
                if (replayed)
                {
                    Interlocked.Add(ref _replayed, segment.Count);
                }
                MarkReachable();
            }
            catch (Exception ex) when (IsDataError(ex))
            {
                if (ex is not PostgresException)
                {
                    _copier.Drop();
                }
                if (segment.Count == 1)
                {
                    Reject(segment[0], ex);
                    Acknowledge(segment);
                    continue;
                }
                var half = segment.Count / 2;
                work.Push(segment.GetRange(half, segment.Count - half));
                work.Push(segment.GetRange(0, half));
            }
            catch (Exception ex)
            {
                _copier.Drop();
                MarkUnreachable(ex);
                records.Clear();
                records.AddRange(segment);
                while (work.Count > 0)
                {
                    records.AddRange(work.Pop());
                }
                return false;
            }
        }
        records.Clear();
        return true;
    }

    private static bool IsDataError(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal),
        // Raised while encoding a record (a value the column type cannot hold): the same every time.
        InvalidCastException or ArgumentException or FormatException or OverflowException or JsonException => true,
        _ => false,
    };

    private async Task<bool> TryConnectAsync()
    {
        try
        {
            await _copier.EnsureOpenAsync(_abort.Token);
            MarkReachable();
            return true;
        }
        catch (Exception ex)
        {
            _copier.Drop();
            MarkUnreachable(ex);
            return false;
        }
    }

    /// <summary>
    /// Replays the next chunk of the oldest spill file. True when a chunk was committed (or a file
    /// finished), false when there was nothing to replay, null after a write failure.
    /// </summary>
    private async Task<bool?> TryReplayChunkAsync()
    {
        if (_replay is null)
        {
            string? next;
            lock (_filesLock)
            {
                next = SpillFormat.PendingFiles(_options.SpillFolder).FirstOrDefault();
                if (next is null)
                {
                    _spillFiles = 0;
                    return false;
                }
            }
            try
            {
                _replay = new ReplayCursor(next);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                RecordError("spill folder", ex);
                return null;
            }
        }
        var cursor = _replay;
        if (cursor.Chunk.Count == 0 && !cursor.Finished)
        {
            try
            {
                cursor.ReadChunk(_options.BatchSize, line => Reject(line, "unreadable spill line in " + Path.GetFileName(cursor.Path)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                RecordError("spill folder", ex);
                cursor.Dispose();
                _replay = null;
                return null;
            }
        }
        if (cursor.Chunk.Count > 0 && !await TryWriteAsync(cursor.Chunk, replayed: true))
        {
            return null;
        }
        if (cursor.Finished)
        {
            cursor.Dispose();
            _replay = null;
            lock (_filesLock)
            {
                try
                {
                    File.Delete(cursor.Path);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Replayed again at the next start: harmless.
                    RecordError("spill folder", ex);
                }
                _spillFiles = Math.Max(0, _spillFiles - 1);
            }
            _logger.LogInformation("History writer: replayed and removed {File}", Path.GetFileName(cursor.Path));
        }
        return true;
    }

    private sealed class ReplayCursor(string path) : IDisposable
    {
        private readonly StreamReader _reader = new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024));

        public string Path { get; } = path;

        public List<object> Chunk { get; } = [];

        public bool Finished { get; private set; }

        public void ReadChunk(int size, Action<string> unreadable)
        {
            while (Chunk.Count < size)
            {
                var line = _reader.ReadLine();
                if (line is null)
                {
                    Finished = true;
                    return;
                }
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                if (SpillFormat.Parse(line) is { } record)
                {
                    Chunk.Add(record);
                }
                else
                {
                    unreadable(line);
                }
            }
            if (_reader.Peek() < 0)
            {
                Finished = true;
            }
        }

        public void Dispose() => _reader.Dispose();
    }

    // ------------------------------------------------------------------------------------------
    // The spiller: keeps memory within the buffer capacity.
    // ------------------------------------------------------------------------------------------

    private async Task RunSpillerAsync()
    {
        var backoff = _options.RetryInitialDelay;
        while (!_stop.IsCancellationRequested)
        {
            await _spillSignal.WaitAsync(_options.FlushInterval, _stop.Token);
            var buffered = Interlocked.Read(ref _queued) + Interlocked.Read(ref _inFlight);
            if (buffered <= _options.BufferCapacity || _stop.IsCancellationRequested)
            {
                continue;
            }
            var lowWater = _options.BufferCapacity - _options.BufferCapacity / 4;
            SpillFromQueue(buffered - lowWater, "buffer full");
            if (_spillFailing)
            {
                await DelayQuietlyAsync(Jitter(backoff), _stop.Token);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.RetryMaxDelay.Ticks));
            }
            else
            {
                backoff = _options.RetryInitialDelay;
            }
        }
    }

    private void SpillAll(string why) => SpillFromQueue(long.MaxValue, why);

    /// <summary>Moves up to <paramref name="max"/> records from memory into a new spill file.</summary>
    private void SpillFromQueue(long max, string why)
    {
        lock (_spillLock)
        {
            if (_queue.IsEmpty)
            {
                return;
            }
            var taken = new List<object>();
            SpillFileWriter? writer = null;
            try
            {
                Directory.CreateDirectory(_options.SpillFolder);
                writer = new SpillFileWriter(_options.SpillFolder, SpillFormat.SpillPrefix, _instance, Interlocked.Increment(ref _spillSequence), _options.SpillSyncEvery);
                while (taken.Count < max && _queue.TryDequeue(out var record))
                {
                    Interlocked.Decrement(ref _queued);
                    taken.Add(record);
                    writer.Append(record);
                }
                if (taken.Count == 0)
                {
                    return;
                }
                writer.Complete();
                lock (_filesLock)
                {
                    writer.Publish();
                    _spillFiles++;
                }
                Interlocked.Add(ref _spilled, taken.Count);
                _spillFailing = false;
                _logger.LogWarning("History writer: {Why}: spilled {Count} record(s) to {File}", why, taken.Count, Path.GetFileName(writer.FinalPath));
            }
            catch (Exception ex)
            {
                _spillFailing = true;
                RecordError("spill folder", ex);
                _logger.LogError(ex, "History writer: could not spill to {Folder}; {Count} record(s) stay in memory", _options.SpillFolder, taken.Count);
                foreach (var record in taken)
                {
                    _queue.Enqueue(record);
                    Interlocked.Increment(ref _queued);
                }
            }
            finally
            {
                writer?.Dispose();
            }
        }
    }

    /// <summary>A record handed over after disposal: straight to its own spill file.</summary>
    /// <summary>
    /// Appends one record, fsync'd, to the outage file (one file per outage, published when the
    /// database is back, every 5,000 records, or at disposal; a crash leaves it .partial, which
    /// start-up replays up to its last whole line).
    /// </summary>
    private void SpillDurably(object record)
    {
        lock (_spillLock)
        {
            try
            {
                Directory.CreateDirectory(_options.SpillFolder);
                _outageFile ??= new SpillFileWriter(_options.SpillFolder, SpillFormat.SpillPrefix, _instance, Interlocked.Increment(ref _spillSequence), 1);
                _outageFile.Append(record);
                Interlocked.Increment(ref _spilled);
                if (_outageFile.Count >= 5_000)
                {
                    PublishOutageFile();
                }
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _dropped);
                RecordError("spill folder", ex);
                _outageFile?.Dispose();
                _outageFile = null;
            }
        }
    }

    private void PublishOutageFile()
    {
        lock (_spillLock)
        {
            if (_outageFile is null)
            {
                return;
            }
            try
            {
                _outageFile.Complete();
                lock (_filesLock)
                {
                    _outageFile.Publish();
                    _spillFiles++;
                }
            }
            catch (Exception ex)
            {
                RecordError("spill folder", ex);
            }
            finally
            {
                _outageFile = null;
            }
        }
    }

    private void SpillOne(object record)
    {
        lock (_spillLock)
        {
            SpillFileWriter? writer = null;
            try
            {
                Directory.CreateDirectory(_options.SpillFolder);
                writer = new SpillFileWriter(_options.SpillFolder, SpillFormat.SpillPrefix, _instance, Interlocked.Increment(ref _spillSequence), 1);
                writer.Append(record);
                writer.Complete();
                lock (_filesLock)
                {
                    writer.Publish();
                    _spillFiles++;
                }
                Interlocked.Increment(ref _spilled);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _dropped);
                RecordError("spill folder", ex);
            }
            finally
            {
                writer?.Dispose();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Rejections, errors, state.
    // ------------------------------------------------------------------------------------------

    private void Reject(object record, Exception reason)
    {
        _logger.LogError(reason, "History writer: the database refused a record; kept in {Folder}/rejected-*.jsonl", _options.SpillFolder);
        RecordError("rejected record", reason);
        string line;
        try
        {
            line = SpillFormat.ToLine(record);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            line = $"{{\"unserializable\":{JsonSerializer.Serialize(record.ToString())}}}";
        }
        AppendRejected(line);
    }

    private void Reject(string line, string reason)
    {
        _logger.LogError("History writer: {Reason}; kept in {Folder}/rejected-*.jsonl", reason, _options.SpillFolder);
        _lastError = new ErrorInfo(reason, DateTimeOffset.UtcNow);
        AppendRejected(line);
    }

    private void AppendRejected(string line)
    {
        Interlocked.Increment(ref _rejected);
        try
        {
            lock (_spillLock)
            {
                Directory.CreateDirectory(_options.SpillFolder);
                var path = Path.Combine(_options.SpillFolder, $"{SpillFormat.RejectedPrefix}{DateTime.UtcNow:yyyyMMdd}-{_instance}{SpillFormat.Extension}");
                using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
                stream.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
                stream.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _dropped);
            RecordError("spill folder", ex);
        }
    }

    private void MarkReachable()
    {
        _outage = false;
        PublishOutageFile();
        if (!_reachable)
        {
            _reachable = true;
            _logger.LogInformation("History writer: database reachable");
        }
    }

    private void MarkUnreachable(Exception ex)
    {
        RecordError("database", ex);
        if (_reachable || _lastWarned is null)
        {
            _logger.LogWarning(ex, "History writer: database unreachable; buffering (up to {Capacity} records in memory, then spilling to {Folder})",
                _options.BufferCapacity, _options.SpillFolder);
            _lastWarned = DateTimeOffset.UtcNow;
        }
        _reachable = false;
        _outage = true;
        ReleaseWaitersBySpilling();
    }

    private void RecordError(string where, Exception ex) =>
        _lastError = new ErrorInfo($"{where}: {ex.GetType().Name}: {ex.Message}", DateTimeOffset.UtcNow);

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + Random.Shared.NextDouble() * 0.4);

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed record ErrorInfo(string Message, DateTimeOffset At);
}
