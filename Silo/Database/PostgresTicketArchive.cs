using System.Collections.Immutable;
using CallCenter.Tickets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using NpgsqlTypes;

namespace CallCenter.Silo.Database;

/// <summary>
/// Ticket search and on-time completions over the PostgreSQL history (views of
/// deploy/sql/0022-ticket-search-ranking.sql), so closed tickets are found long after their grains
/// are gone. Tickets need not index themselves: their events reach ticket_events through the
/// history writer, a moment after each action.
/// </summary>
public sealed class PostgresTicketArchive(string connectionString) : ITicketArchive
{
    private const string SearchSql = """
        SELECT s.ticket_id, s.title, s.customer, s.category, s.status, s.holder, s.created_at, s.updated_at
        FROM ticket_search s
        WHERE ($1::text IS NULL OR s.ticket_id ILIKE $1)
          AND ($2::text IS NULL OR s.customer ILIKE $2)
          AND ($3::text IS NULL OR s.category = $3)
          AND ($4::text IS NULL OR s.status = $4)
          AND ($5::text IS NULL OR EXISTS (
                SELECT 1 FROM ticket_events d
                WHERE d.ticket_id = s.ticket_id
                  AND (d.department_id = $5
                       OR (d.target = $5 AND d.kind IN ('Dispatched', 'Transferred', 'Returned', 'Replied', 'ReplyReturned')))))
          AND ($6::text IS NULL OR s.title ILIKE $6 OR EXISTS (
                SELECT 1 FROM ticket_events t WHERE t.ticket_id = s.ticket_id AND t.detail ILIKE $6))
          AND ($7::timestamptz IS NULL OR s.created_at >= $7)
          AND ($8::timestamptz IS NULL OR s.created_at < $8)
        ORDER BY s.created_at DESC, s.ticket_id COLLATE "C"
        LIMIT $9
        """;

    private const string CompletionsSql = """
        SELECT ticket_id, department_id, received_at, completed_at, extensions, overdue
        FROM ticket_unit_completions
        WHERE completed_at >= $1 AND completed_at < $2
        """;

    public bool IndexesTickets => false;

    public Task IndexAsync(TicketIndexEntry entry) => Task.CompletedTask;

    public async Task<ImmutableArray<TicketSearchHit>> SearchAsync(TicketSearchQuery query)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(SearchSql, connection);
        command.Parameters.Add(Text(Pattern(query.TicketId)));
        command.Parameters.Add(Text(Pattern(query.Customer)));
        command.Parameters.Add(Text(query.Category?.ToString()));
        command.Parameters.Add(Text(query.Status?.ToString()));
        command.Parameters.Add(Text(string.IsNullOrWhiteSpace(query.DepartmentId) ? null : query.DepartmentId.Trim()));
        command.Parameters.Add(Text(Pattern(query.Text)));
        command.Parameters.Add(Instant(query.CreatedFrom));
        command.Parameters.Add(Instant(query.CreatedTo));
        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var hits = ImmutableArray.CreateBuilder<TicketSearchHit>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            // A category or state this build does not know (a newer writer) is skipped, not guessed.
            if (!Enum.TryParse<TicketCategory>(reader.GetString(3), out var category) || !Enum.TryParse<TicketStatus>(reader.GetString(4), out var status))
            {
                continue;
            }
            hits.Add(new TicketSearchHit(reader.GetString(0), reader.GetString(1), reader.GetString(2), category, status, reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return hits.ToImmutable();
    }

    public async Task<ImmutableArray<UnitCompletion>> CompletionsAsync(DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(CompletionsSql, connection);
        command.Parameters.Add(Instant(from));
        command.Parameters.Add(Instant(to));
        var completions = ImmutableArray.CreateBuilder<UnitCompletion>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            completions.Add(new UnitCompletion(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), checked((int)reader.GetInt64(4)), reader.GetBoolean(5)));
        }
        return completions.ToImmutable();
    }

    /// <summary>"contains" as an ILIKE pattern: the user's own % and _ match themselves.</summary>
    private static string? Pattern(string? text) => string.IsNullOrWhiteSpace(text)
        ? null
        : "%" + text.Trim().Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Instant(DateTimeOffset? value) => new() { Value = value is { } v ? (object)v.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}

public static class PostgresTicketArchiveExtensions
{
    /// <summary>Searches and the ranking read the ticket history in PostgreSQL; call before <c>AddCallCenter</c>.</summary>
    public static IServiceCollection AddPostgresTicketArchive(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.TryAddSingleton<ITicketArchive>(new PostgresTicketArchive(connectionString));
        return services;
    }
}
