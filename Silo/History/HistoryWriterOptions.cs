namespace CallCenter.Silo.History;

/// <summary>Settings of <see cref="PostgresHistoryWriter"/>.</summary>
public sealed class HistoryWriterOptions
{
    /// <summary>Npgsql connection string of the database holding the history tables (deploy/sql/0010-history.sql).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Records held in memory (waiting to be written) before the writer spills the oldest of them
    /// to a file in <see cref="SpillFolder"/>. Memory stays near this bound while the database is
    /// unreachable or slower than the traffic.
    /// </summary>
    public int BufferCapacity { get; set; } = 100_000;

    /// <summary>Most records written in one transaction (one COPY per table, one INSERT per table).</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Longest a record waits in memory before a (partial) batch is written.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Folder of the spill files (and of <c>rejected-*.jsonl</c>, records the database refused).
    /// Must be on durable storage and belong to this silo alone: the writer locks it. Relative
    /// paths are resolved against the current directory.
    /// </summary>
    public string SpillFolder { get; set; } = "history-spill";

    /// <summary>Lines appended to a spill file between two fsyncs (each spill pass also ends with one).</summary>
    public int SpillSyncEvery { get; set; } = 2_000;

    /// <summary>First wait after a failed write; doubled after each further failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long StopAsync tries to write what is buffered before spilling the rest to a file.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Seconds a batch's COPY and INSERT may take before the attempt is abandoned and retried.</summary>
    public int CommandTimeoutSeconds { get; set; } = 60;

    /// <summary>The problems with these settings, each naming its property, or an empty list.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString)) errors.Add($"{nameof(ConnectionString)}: required");
        if (BatchSize < 1) errors.Add($"{nameof(BatchSize)}: must be at least 1");
        if (BufferCapacity < 1) errors.Add($"{nameof(BufferCapacity)}: must be at least 1");
        if (FlushInterval <= TimeSpan.Zero) errors.Add($"{nameof(FlushInterval)}: must be positive");
        if (string.IsNullOrWhiteSpace(SpillFolder)) errors.Add($"{nameof(SpillFolder)}: required");
        if (SpillSyncEvery < 1) errors.Add($"{nameof(SpillSyncEvery)}: must be at least 1");
        if (RetryInitialDelay <= TimeSpan.Zero) errors.Add($"{nameof(RetryInitialDelay)}: must be positive");
        if (RetryMaxDelay < RetryInitialDelay) errors.Add($"{nameof(RetryMaxDelay)}: must not be less than {nameof(RetryInitialDelay)}");
        if (ShutdownTimeout < TimeSpan.Zero) errors.Add($"{nameof(ShutdownTimeout)}: must not be negative");
        if (CommandTimeoutSeconds < 1) errors.Add($"{nameof(CommandTimeoutSeconds)}: must be at least 1");
        return errors;
    }

    internal HistoryWriterOptions Checked()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid history writer options: " + string.Join("; ", errors));
        }
        return new HistoryWriterOptions
        {
            ConnectionString = ConnectionString,
            BufferCapacity = BufferCapacity,
            BatchSize = BatchSize,
            FlushInterval = FlushInterval,
            SpillFolder = Path.GetFullPath(SpillFolder),
            SpillSyncEvery = SpillSyncEvery,
            RetryInitialDelay = RetryInitialDelay,
            RetryMaxDelay = RetryMaxDelay,
            ShutdownTimeout = ShutdownTimeout,
            CommandTimeoutSeconds = CommandTimeoutSeconds,
        };
    }
}

/// <summary>A snapshot of <see cref="PostgresHistoryWriter"/>'s counters.</summary>
/// <param name="Accepted">Records handed to the writer (WriteAsync calls).</param>
/// <param name="Committed">Records whose batch committed, from memory or replayed from spill files, duplicates included.</param>
/// <param name="RowsWritten">Rows inserted (Committed minus the duplicates the database already had).</param>
/// <param name="Batches">Transactions committed.</param>
/// <param name="Buffered">Records in memory now, waiting to be written.</param>
/// <param name="Spilled">Records written to spill files (fsync'd).</param>
/// <param name="Replayed">Records read back from spill files and committed.</param>
/// <param name="SpillFiles">Spill files waiting to be replayed.</param>
/// <param name="Rejected">Records the database refused (data errors), kept in rejected-*.jsonl, plus unreadable spill lines.</param>
/// <param name="Dropped">Records lost because neither the database nor the spill folder could take them.</param>
/// <param name="DatabaseReachable">Whether the last attempt to reach the database succeeded.</param>
/// <param name="LastError">The last error met (database, spill folder), or null.</param>
/// <param name="LastErrorAt">When <paramref name="LastError"/> happened.</param>
public sealed record HistoryWriterCounters(
    long Accepted,
    long Committed,
    long RowsWritten,
    long Batches,
    long Buffered,
    long Spilled,
    long Replayed,
    int SpillFiles,
    long Rejected,
    long Dropped,
    bool DatabaseReachable,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    /// <summary>Extra on-disk copies of call records made durable while the database was away (also counted in Accepted).</summary>
    long DurabilityCopies = 0);
