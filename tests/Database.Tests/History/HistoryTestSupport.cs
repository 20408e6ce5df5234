using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.History;
using CallCenter.Silo.History;
using Npgsql;

namespace CallCenter.Database.Tests.History;

internal static class HistoryTestSupport
{
    /// <summary>The history scripts: deploy/sql/0010-history.sql and every later one, in name order (0001-0004 are Orleans' own tables).</summary>
    public static IReadOnlyList<string> HistoryScripts =>
        Directory.GetFiles(Path.Combine(PostgresFixture.RepositoryRoot, "deploy", "sql"), "*.sql")
            .Where(f => string.CompareOrdinal(Path.GetFileName(f), "0010") >= 0)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Applies the history scripts (all idempotent, so applying them again is harmless).</summary>
    public static async Task ApplySchemaAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var script in HistoryScripts)
        {
            await using var command = new NpgsqlCommand(await File.ReadAllTextAsync(script), connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    public static async Task<string> NewHistoryDatabaseAsync(PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await ApplySchemaAsync(connectionString);
        return connectionString;
    }

    public static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"history-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Quick settings for tests: small waits so recoveries take milliseconds, not seconds.</summary>
    public static HistoryWriterOptions Options(string connectionString, string folder, int capacity = 10_000, int batchSize = 1_000) => new()
    {
        ConnectionString = connectionString,
        SpillFolder = folder,
        BufferCapacity = capacity,
        BatchSize = batchSize,
        FlushInterval = TimeSpan.FromMilliseconds(20),
        RetryInitialDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(200),
        ShutdownTimeout = TimeSpan.FromSeconds(20),
        SpillSyncEvery = 100,
    };

    public static async Task<PostgresHistoryWriter> StartWriterAsync(HistoryWriterOptions options)
    {
        var writer = new PostgresHistoryWriter(options);
        await writer.StartAsync(CancellationToken.None);
        return writer;
    }

    /// <summary>
    /// Hands a record over and checks the call neither blocked nor threw. Intervals and queue
    /// events are accepted at once; a call record's task completes when the record is durable
    /// (committed, or spilled while the database is away), which is checked where it matters.
    /// </summary>
    public static void Write(PostgresHistoryWriter writer, object record)
    {
        var pending = record switch
        {
            CallDetailRecord cdr => writer.WriteAsync(cdr),
            AgentStateInterval interval => writer.WriteAsync(interval),
            QueueEvent queueEvent => writer.WriteAsync(queueEvent),
            _ => throw new ArgumentException(record.GetType().Name),
        };
        Assert.False(pending.IsFaulted, "WriteAsync must not fail");
        if (record is not CallDetailRecord)
        {
            Assert.True(pending.IsCompletedSuccessfully, "WriteAsync must complete synchronously");
        }
    }

    /// <summary>Polls until the condition holds; fails with the description after a generous timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            if (await condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }
            await Task.Delay(20);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        EventuallyAsync(() => Task.FromResult(condition()), what, timeoutSeconds);

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public static async Task<List<string>> ColumnAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    public static IReadOnlyList<string> SpillFiles(string folder) =>
        Directory.EnumerateFiles(folder, "spill-*").Order(StringComparer.Ordinal).ToList();

    /// <summary>A connection string whose port nobody listens on: a database that is not there.</summary>
    public static string Unreachable(string connectionString)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new NpgsqlConnectionStringBuilder(connectionString) { Port = port, Timeout = 3 }.ConnectionString;
    }

    // ------------------------------------------------------------------------------------------
    // Records. Times are whole microseconds: PostgreSQL keeps microseconds, .NET ticks are 100 ns.
    // ------------------------------------------------------------------------------------------

    public static readonly DateTimeOffset Epoch = new(2025, 3, 4, 8, 0, 0, TimeSpan.Zero);

    public static CallDetailRecord Cdr(string callId, int i = 0) => new()
    {
        CallId = callId,
        CallerNumber = $"+4930{i:D7}",
        CalledNumber = "+498001234",
        Service = "sales",
        Region = "berlin",
        QueuePath = ["q-sales"],
        AgentId = $"agent-{i % 10}",
        ArrivedAt = Epoch.AddSeconds(i),
        FirstOfferedAt = Epoch.AddSeconds(i + 1),
        AnsweredAt = Epoch.AddSeconds(i + 3),
        EndedAt = Epoch.AddSeconds(i + 60),
        Wait = TimeSpan.FromSeconds(3),
        Talk = TimeSpan.FromSeconds(57),
        Outcome = CallOutcome.Completed,
        EndedBy = CallParty.Caller,
        Offers = 1,
    };

    public static AgentStateInterval Interval(string agentId, int i, string? callId = null) =>
        new(agentId, AgentState.Ready, Epoch.AddMinutes(i), Epoch.AddMinutes(i).AddSeconds(42), null, callId);

    public static QueueEvent Event(string queueId, string callId, int sequence) =>
        new(queueId, callId, sequence, QueueEventKind.Entered, Epoch.AddSeconds(sequence), null, null);
}

/// <summary>
/// A TCP forwarder in front of PostgreSQL that can cut the line: <see cref="Down"/> resets every
/// open connection and refuses new ones (they are accepted and closed at once), <see cref="Up"/>
/// restores it. A database outage in milliseconds, without stopping the shared server.
/// </summary>
internal sealed class OutageProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly Task _accepting;
    private bool _down;

    public OutageProxy(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _target = new IPEndPoint(IPAddress.Parse(builder.Host ?? "127.0.0.1"), builder.Port);
        _listener.Start();
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Host = "127.0.0.1",
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port,
            Timeout = 3,
        }.ConnectionString;
        _accepting = AcceptAsync();
    }

    public string ConnectionString { get; }

    public void Down()
    {
        lock (_gate)
        {
            _down = true;
            foreach (var socket in _sockets.Keys)
            {
                Abort(socket);
            }
        }
    }

    public void Up()
    {
        lock (_gate)
        {
            _down = false;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = LinkAsync(client);
        }
    }

    private async Task LinkAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            lock (_gate)
            {
                if (_down)
                {
                    Abort(client);
                    server.Dispose();
                    return;
                }
                _sockets.TryAdd(client, 0);
                _sockets.TryAdd(server, 0);
            }
            await server.ConnectAsync(_target, _stop.Token);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            _sockets.TryRemove(client, out _);
            _sockets.TryRemove(server, out _);
            Abort(client);
            Abort(server);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Down();
        await _accepting;
        _stop.Dispose();
    }
}
