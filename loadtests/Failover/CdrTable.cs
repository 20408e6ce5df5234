using Npgsql;

namespace CallCenter.LoadTests.Failover;

/// <summary>Reads call_detail_records (deploy/sql/0010-history.sql) for the reconciliation.</summary>
public static class CdrTable
{
    public static async Task<IReadOnlyList<CdrRow>> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT call_id, outcome::text FROM call_detail_records", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<CdrRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new CdrRow(reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1)));
        }
        return rows;
    }

    /// <summary>
    /// Reads the table until every call in <paramref name="expected"/> has a row (records are
    /// written in batches, and after an outage from the silos' buffers), or until <paramref name="limit"/>.
    /// </summary>
    public static async Task<(IReadOnlyList<CdrRow> Rows, bool Complete)> WaitForAsync(
        string connectionString, IReadOnlySet<string> expected, TimeSpan limit, TextWriter progress, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        IReadOnlyList<CdrRow> rows = [];
        var lastReport = DateTime.MinValue;
        while (true)
        {
            try
            {
                rows = await ReadAsync(connectionString, cancellationToken);
            }
            catch (NpgsqlException ex) when (DateTime.UtcNow < deadline)
            {
                progress.WriteLine($"[failover] reading call_detail_records: {ex.Message}");
            }
            var missing = expected.Count - rows.Count(r => expected.Contains(r.CallId));
            if (missing <= 0)
            {
                return (rows, true);
            }
            if (DateTime.UtcNow >= deadline)
            {
                return (rows, false);
            }
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(5))
            {
                lastReport = DateTime.UtcNow;
                progress.WriteLine($"[failover] waiting for records: {missing} of {expected.Count} calls have no row yet");
            }
            await Task.Delay(1000, cancellationToken);
        }
    }
}
