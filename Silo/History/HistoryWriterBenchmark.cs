using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Calls;
using Npgsql;

namespace CallCenter.Silo.History;

/// <summary>Settings of <see cref="HistoryWriterBenchmark.RunAsync"/>.</summary>
public sealed record HistoryBenchmarkOptions
{
    public int BatchSize { get; init; } = 5_000;

    /// <summary>The writer's memory buffer; 0 means as many as the records (nothing spills).</summary>
    public int BufferCapacity { get; init; }

    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Tasks handing records to the writer in parallel, like many call grains.</summary>
    public int Producers { get; init; } = 4;

    /// <summary>The spill folder; null means a new temporary folder, removed afterwards.</summary>
    public string? SpillFolder { get; init; }

    /// <summary>
    /// A schema script applied first when given (it must create every history column). Without it
    /// the schema migrator applies the silo's versioned scripts (deploy/sql), as a silo does at start.
    /// </summary>
    public string? SchemaScript { get; init; }

    /// <summary>Longest the run waits for every record to be committed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <param name="Records">Call detail records handed to the writer.</param>
/// <param name="RowsWritten">Rows the writer inserted (every record is new: equals Records when complete).</param>
/// <param name="Batches">Transactions the writer committed.</param>
/// <param name="Spilled">Records that went through a spill file (the buffer was smaller than the burst).</param>
/// <param name="AcceptElapsed">Time the producers took to hand over every record (the grains' cost).</param>
/// <param name="Elapsed">From the first record handed over to the last one committed.</param>
/// <param name="RowsPerSecond">Records / Elapsed: the database write throughput.</param>
/// <param name="AcceptedPerSecond">Records / AcceptElapsed.</param>
/// <param name="Completed">False when the timeout passed before every record was committed.</param>
public sealed record HistoryBenchmarkResult(
    int Records,
    long RowsWritten,
    long Batches,
    long Spilled,
    TimeSpan AcceptElapsed,
    TimeSpan Elapsed,
    double RowsPerSecond,
    double AcceptedPerSecond,
    bool Completed,
    string? LastError);

/// <summary>Measures how fast <see cref="PostgresHistoryWriter"/> writes call detail records.</summary>
public static class HistoryWriterBenchmark
{
    public static async Task<HistoryBenchmarkResult> RunAsync(
        string connectionString,
        int records,
        HistoryBenchmarkOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(records);
        options ??= new HistoryBenchmarkOptions();
        await EnsureSchemaAsync(connectionString, options.SchemaScript, cancellationToken);

        var temporaryFolder = options.SpillFolder is null;
        var folder = options.SpillFolder ?? Path.Combine(Path.GetTempPath(), $"history-bench-{Guid.NewGuid():N}");
        var writer = new PostgresHistoryWriter(new HistoryWriterOptions
        {
            ConnectionString = connectionString,
            BatchSize = options.BatchSize,
            BufferCapacity = options.BufferCapacity > 0 ? options.BufferCapacity : Math.Max(records, 1),
            FlushInterval = options.FlushInterval,
            SpillFolder = folder,
        });
        try
        {
            await writer.StartAsync(cancellationToken);
            var run = Guid.NewGuid().ToString("N")[..12];
            var start = DateTimeOffset.UtcNow;
            var producers = Math.Clamp(options.Producers, 1, records);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
            {
                for (var i = p; i < records; i += producers)
                {
                    await writer.WriteAsync(Synthetic(run, i, start));
                }
            }, cancellationToken)));
            var acceptElapsed = clock.Elapsed;
            var deadline = clock.Elapsed + options.Timeout;
            while (writer.Counters.Committed < records && clock.Elapsed < deadline)
            {
                await Task.Delay(5, cancellationToken);
            }
            var elapsed = clock.Elapsed;
            var counters = writer.Counters;
            return new HistoryBenchmarkResult(
                Records: records,
                RowsWritten: counters.RowsWritten,
                Batches: counters.Batches,
                Spilled: counters.Spilled,
                AcceptElapsed: acceptElapsed,
                Elapsed: elapsed,
                RowsPerSecond: counters.Committed / Math.Max(elapsed.TotalSeconds, 1e-9),
                AcceptedPerSecond: records / Math.Max(acceptElapsed.TotalSeconds, 1e-9),
                Completed: counters.Committed >= records,
                LastError: counters.LastError);
        }
        finally
        {
            await writer.DisposeAsync();
            if (temporaryFolder)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>A plausible record: answered or abandoned, sometimes overflowed, with IVR data.</summary>
    public static CallDetailRecord Synthetic(string run, int i, DateTimeOffset start)
    {
        var arrived = start.AddMilliseconds(i * 37L);
        var answered = i % 7 != 0;
        var wait = TimeSpan.FromMilliseconds(2_000 + i % 50_000);
        var talk = answered ? TimeSpan.FromMilliseconds(60_000 + i % 240_000) : TimeSpan.Zero;
        var hold = answered && i % 5 == 0 ? TimeSpan.FromSeconds(20) : TimeSpan.Zero;
        ImmutableArray<string> path = i % 11 == 0 ? [$"q-{i % 40}", $"q-overflow-{i % 4}"] : [$"q-{i % 40}"];
        return new CallDetailRecord
        {
            CallId = $"bench-{run}-{i}",
            CallerNumber = $"+49301{i % 10_000_000:D7}",
            CalledNumber = $"+49800{i % 40:D4}",
            Service = $"svc-{i % 40}",
            Region = $"region-{i % 16}",
            QueuePath = path,
            AgentId = answered ? $"agent-{i % 2_000}" : null,
            ArrivedAt = arrived,
            FirstOfferedAt = arrived + TimeSpan.FromSeconds(1),
            AnsweredAt = answered ? arrived + wait : null,
            EndedAt = arrived + wait + talk + hold,
            Wait = wait,
            Talk = talk,
            Hold = hold,
            Outcome = answered ? CallOutcome.Completed : CallOutcome.Abandoned,
            EndedBy = answered ? CallParty.Agent : CallParty.Caller,
            Priority = i % 3,
            Offers = answered ? 1 + i % 2 : 0,
            AttachedData = ImmutableDictionary<string, string>.Empty.Add("account", $"A{i % 100_000}").Add("ivr", $"{i % 9 + 1}"),
            SurveyScore = answered && i % 4 == 0 ? 1 + i % 5 : null,
            RecordingPath = answered ? $"/recordings/{run}/{i}.opus" : null,
            Detail = answered ? null : "caller hung up in queue",
        };
    }

    private static async Task EnsureSchemaAsync(string connectionString, string? scriptPath, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        if (scriptPath is null)
        {
            // Every versioned script (history and its later changes), tracked and idempotent.
            await Storage.SchemaMigrator.ApplyAsync(connectionString, ct: cancellationToken);
            return;
        }
        var sql = await File.ReadAllTextAsync(scriptPath, cancellationToken);
        // The script is idempotent: applying it next to the migrator does no harm.
        await using var apply = new NpgsqlCommand(sql, connection);
        await apply.ExecuteNonQueryAsync(cancellationToken);
    }
}
