using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using CallCenter.Calls;
using CallCenter.History;
using Npgsql;
using NpgsqlTypes;
using CallCenter.Security;
using CallCenter.Tickets;

namespace CallCenter.Silo.History;

/// <summary>
/// Writes one batch of history records in one transaction: a binary COPY per table into a
/// session-local staging table, then <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c> into the
/// real table (COPY alone cannot skip the rows the table already has). Keeps one connection open;
/// the owner calls <see cref="Drop"/> after a connection failure.
/// </summary>
internal sealed class HistoryBatchCopier : IAsyncDisposable
{
    private const string CdrColumns =
        "call_id, caller_number, called_number, service, region, queue_path, agent_id, arrived_at, first_offered_at, " +
        "answered_at, ended_at, wait, talk, hold, wrap_up, outcome, ended_by, priority, offers, attached_data, " +
        "survey_score, recording_path, detail, handled_by, direction";

    private const string IntervalColumns = "agent_id, state, started_at, ended_at, reason, call_id";

    private const string QueueEventColumns = "queue_id, call_id, sequence, kind, at, agent_id, detail";

    private const string TicketEventColumns = "ticket_id, sequence, kind, at, actor, department_id, target, detail, status_after";

    private const string AuditColumns = "id, log, at, user_name, action, target, detail, remote_address";

    // ON COMMIT DELETE ROWS: the staging tables live as long as the session and empty themselves at
    // every commit (and every rollback discards what was copied).
    private const string CreateStagingTables = $"""
        CREATE TEMP TABLE IF NOT EXISTS history_stage_cdr (
            call_id text, caller_number text, called_number text, service text, region text, queue_path text[],
            agent_id text, arrived_at timestamptz, first_offered_at timestamptz, answered_at timestamptz,
            ended_at timestamptz, wait interval, talk interval, hold interval, wrap_up interval, outcome text,
            ended_by text, priority integer, offers integer, attached_data jsonb, survey_score integer,
            recording_path text, detail text, handled_by text[], direction text) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS history_stage_interval (
            agent_id text, state text, started_at timestamptz, ended_at timestamptz, reason text, call_id text)
            ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS history_stage_queue_event (
            queue_id text, call_id text, sequence bigint, kind text, at timestamptz, agent_id text, detail text)
            ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS history_stage_ticket_event (
            ticket_id text, sequence bigint, kind text, at timestamptz, actor text, department_id text, target text,
            detail text, status_after text) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS history_stage_audit (
            id uuid, log text, at timestamptz, user_name text, action text, target text, detail text, remote_address text)
            ON COMMIT DELETE ROWS;
        """;

    private const string InsertCdrs =
        $"INSERT INTO call_detail_records ({CdrColumns}) SELECT {CdrColumns} FROM history_stage_cdr ON CONFLICT (call_id) DO NOTHING";

    private const string InsertIntervals =
        $"INSERT INTO agent_state_intervals ({IntervalColumns}) SELECT {IntervalColumns} FROM history_stage_interval ON CONFLICT (agent_id, started_at) DO NOTHING";

    private const string InsertQueueEvents =
        $"INSERT INTO queue_events ({QueueEventColumns}) SELECT {QueueEventColumns} FROM history_stage_queue_event ON CONFLICT (queue_id, call_id, sequence) DO NOTHING";

    private const string InsertTicketEvents =
        $"INSERT INTO ticket_events ({TicketEventColumns}) SELECT {TicketEventColumns} FROM history_stage_ticket_event ON CONFLICT (ticket_id, sequence) DO NOTHING";

    private const string InsertAudit =
        $"INSERT INTO audit_log ({AuditColumns}) SELECT {AuditColumns} FROM history_stage_audit ON CONFLICT (id) DO NOTHING";

    private readonly NpgsqlDataSource _dataSource;
    private readonly int _commandTimeoutSeconds;
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private NpgsqlConnection? _connection;

    public HistoryBatchCopier(string connectionString, int commandTimeoutSeconds)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "callcenter-history";
        _dataSource = builder.Build();
        _commandTimeoutSeconds = commandTimeoutSeconds;
    }

    /// <summary>Opens the connection (and its staging tables) if it is not open.</summary>
    public async Task<NpgsqlConnection> EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }
        Drop();
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand(CreateStagingTables, connection) { CommandTimeout = _commandTimeoutSeconds };
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        _connection = connection;
        return connection;
    }

    /// <summary>Writes the records in one transaction; returns the rows inserted (duplicates skipped).</summary>
    public async Task<long> WriteAsync(IReadOnlyList<object> records, CancellationToken cancellationToken)
    {
        var cdrs = new List<CallDetailRecord>();
        var intervals = new List<AgentStateInterval>();
        var events = new List<QueueEvent>();
        var ticketEvents = new List<TicketEvent>();
        var audit = new List<AuditHistoryRecord>();
        foreach (var record in records)
        {
            switch (record)
            {
                case CallDetailRecord cdr: cdrs.Add(cdr); break;
                case AgentStateInterval interval: intervals.Add(interval); break;
                case QueueEvent queueEvent: events.Add(queueEvent); break;
                case TicketEvent ticketEvent: ticketEvents.Add(ticketEvent); break;
                case AuditHistoryRecord entry: audit.Add(entry); break;
            }
        }
        if (cdrs.Count + intervals.Count + events.Count + ticketEvents.Count + audit.Count == 0)
        {
            return 0;
        }

        var connection = await EnsureOpenAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch(connection, transaction) { Timeout = _commandTimeoutSeconds };
            if (cdrs.Count > 0)
            {
                await CopyAsync(connection, "history_stage_cdr", CdrColumns, cdrs, WriteCdrAsync, cancellationToken);
                batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertCdrs));
            }
            if (intervals.Count > 0)
            {
                await CopyAsync(connection, "history_stage_interval", IntervalColumns, intervals, WriteIntervalAsync, cancellationToken);
                batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertIntervals));
            }
            if (events.Count > 0)
            {
                await CopyAsync(connection, "history_stage_queue_event", QueueEventColumns, events, WriteQueueEventAsync, cancellationToken);
                batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertQueueEvents));
            }
            if (ticketEvents.Count > 0)
            {
                await CopyAsync(connection, "history_stage_ticket_event", TicketEventColumns, ticketEvents, WriteTicketEventAsync, cancellationToken);
                batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertTicketEvents));
            }
            if (audit.Count > 0)
            {
                await CopyAsync(connection, "history_stage_audit", AuditColumns, audit, WriteAuditAsync, cancellationToken);
                batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertAudit));
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
            long inserted = 0;
            foreach (var command in batch.BatchCommands)
            {
                inserted += command.RecordsAffected;
            }
            await transaction.CommitAsync(cancellationToken);
            return inserted;
        }
        finally
        {
            try
            {
                await transaction.DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                // The connection broke: the owner drops it; the server rolled the transaction back.
            }
        }
    }

    private async Task CopyAsync<T>(
        NpgsqlConnection connection,
        string table,
        string columns,
        List<T> rows,
        Func<NpgsqlBinaryImporter, T, CancellationToken, Task> writeRow,
        CancellationToken cancellationToken)
    {
        var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        try
        {
            importer.Timeout = TimeSpan.FromSeconds(_commandTimeoutSeconds);
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken);
                await writeRow(importer, row, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }
        finally
        {
            try
            {
                await importer.DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                // Cancelling a failed COPY on a broken connection: the original error is the one that matters.
            }
        }
    }

    private async Task WriteCdrAsync(NpgsqlBinaryImporter w, CallDetailRecord r, CancellationToken ct)
    {
        await TextAsync(w, r.CallId, ct);
        await TextAsync(w, r.CallerNumber, ct);
        await TextAsync(w, r.CalledNumber, ct);
        await TextAsync(w, r.Service, ct);
        await TextAsync(w, r.Region, ct);
        await w.WriteAsync(QueuePath(r.QueuePath), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        await TextAsync(w, r.AgentId, ct);
        await TimeAsync(w, r.ArrivedAt, ct);
        await TimeAsync(w, r.FirstOfferedAt, ct);
        await TimeAsync(w, r.AnsweredAt, ct);
        await TimeAsync(w, r.EndedAt, ct);
        await w.WriteAsync(r.Wait, NpgsqlDbType.Interval, ct);
        await w.WriteAsync(r.Talk, NpgsqlDbType.Interval, ct);
        await w.WriteAsync(r.Hold, NpgsqlDbType.Interval, ct);
        if (r.WrapUp is { } wrapUp)
        {
            await w.WriteAsync(wrapUp, NpgsqlDbType.Interval, ct);
        }
        else
        {
            await w.WriteNullAsync(ct);
        }
        await TextAsync(w, r.Outcome.ToString(), ct);
        await TextAsync(w, r.EndedBy.ToString(), ct);
        await w.WriteAsync(r.Priority, NpgsqlDbType.Integer, ct);
        await w.WriteAsync(r.Offers, NpgsqlDbType.Integer, ct);
        await w.WriteAsync(AttachedDataJson(r.AttachedData), NpgsqlDbType.Jsonb, ct);
        if (r.SurveyScore is { } score)
        {
            await w.WriteAsync(score, NpgsqlDbType.Integer, ct);
        }
        else
        {
            await w.WriteNullAsync(ct);
        }
        await TextAsync(w, r.RecordingPath, ct);
        await TextAsync(w, r.Detail, ct);
        await w.WriteAsync(QueuePath(r.HandledBy), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        await TextAsync(w, r.Direction.ToString(), ct);
    }

    private static async Task WriteIntervalAsync(NpgsqlBinaryImporter w, AgentStateInterval r, CancellationToken ct)
    {
        await TextAsync(w, r.AgentId, ct);
        await TextAsync(w, r.State.ToString(), ct);
        await TimeAsync(w, r.StartedAt, ct);
        await TimeAsync(w, r.EndedAt, ct);
        await TextAsync(w, r.Reason, ct);
        await TextAsync(w, r.CallId, ct);
    }

    private static async Task WriteQueueEventAsync(NpgsqlBinaryImporter w, QueueEvent r, CancellationToken ct)
    {
        await TextAsync(w, r.QueueId, ct);
        await TextAsync(w, r.CallId, ct);
        await w.WriteAsync(r.Sequence, NpgsqlDbType.Bigint, ct);
        await TextAsync(w, r.Kind.ToString(), ct);
        await TimeAsync(w, r.At, ct);
        await TextAsync(w, r.AgentId, ct);
        await TextAsync(w, r.Detail, ct);
    }

    private static async Task WriteTicketEventAsync(NpgsqlBinaryImporter w, TicketEvent r, CancellationToken ct)
    {
        await TextAsync(w, r.TicketId, ct);
        await w.WriteAsync(r.Sequence, NpgsqlDbType.Bigint, ct);
        await TextAsync(w, r.Kind.ToString(), ct);
        await TimeAsync(w, r.At, ct);
        await TextAsync(w, r.Actor, ct);
        await TextAsync(w, r.DepartmentId, ct);
        await TextAsync(w, r.Target, ct);
        await TextAsync(w, r.Detail, ct);
        await TextAsync(w, r.StatusAfter.ToString(), ct);
    }

    private static async Task WriteAuditAsync(NpgsqlBinaryImporter w, AuditHistoryRecord r, CancellationToken ct)
    {
        await w.WriteAsync(r.Id, NpgsqlDbType.Uuid, ct);
        await TextAsync(w, r.Log, ct);
        await TimeAsync(w, r.Entry.At, ct);
        await TextAsync(w, r.Entry.User, ct);
        await TextAsync(w, r.Entry.Action, ct);
        await TextAsync(w, r.Entry.Target ?? "", ct);
        await TextAsync(w, r.Entry.Detail, ct);
        await TextAsync(w, r.Entry.RemoteAddress, ct);
    }

    private static ValueTask TextAsync(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        value is null ? new ValueTask(w.WriteNullAsync(ct)) : new ValueTask(w.WriteAsync(Clean(value), NpgsqlDbType.Text, ct));

    private static ValueTask TimeAsync(NpgsqlBinaryImporter w, DateTimeOffset? value, CancellationToken ct) =>
        value is { } time
            ? new ValueTask(w.WriteAsync(time.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct))
            : new ValueTask(w.WriteNullAsync(ct));

    private static string[] QueuePath(ImmutableArray<string> path)
    {
        if (path.IsDefaultOrEmpty)
        {
            return [];
        }
        var result = new string[path.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Clean(path[i] ?? "");
        }
        return result;
    }

    private string AttachedDataJson(ImmutableDictionary<string, string>? data)
    {
        if (data is null || data.Count == 0)
        {
            return "{}";
        }
        _json.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_json))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in data)
            {
                if (value is null)
                {
                    writer.WriteNull(Clean(key));
                }
                else
                {
                    writer.WriteString(Clean(key), Clean(value));
                }
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(_json.WrittenSpan);
    }

    /// <summary>PostgreSQL text (and jsonb) cannot hold U+0000: it is dropped rather than failing the record.</summary>
    private static string Clean(string value) => value.Contains('\0') ? value.Replace("\0", "", StringComparison.Ordinal) : value;

    /// <summary>Forgets the connection after a failure (the next write opens a new one).</summary>
    public void Drop()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            try
            {
                connection.Dispose();
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
            {
            }
        }
        _dataSource.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        Drop();
        await _dataSource.DisposeAsync();
    }
}
