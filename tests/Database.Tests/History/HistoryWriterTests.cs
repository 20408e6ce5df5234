using System.Collections.Immutable;
using System.Text.Json;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.History;
using CallCenter.Silo.History;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using static CallCenter.Database.Tests.History.HistoryTestSupport;

namespace CallCenter.Database.Tests.History;

[Collection(PostgresCollection.Name)]
public sealed class HistoryWriterTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_call_record_is_acknowledged_only_once_its_row_is_committed()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        var options = Options(connectionString, folder);
        options.FlushInterval = TimeSpan.FromMilliseconds(300);
        var writer = await StartWriterAsync(options);
        try
        {
            for (var i = 0; i < 20; i++)
            {
                // The call grain awaits this before telling anyone the call ended.
                await writer.WriteAsync(Cdr($"call-ack-{i}", i));
                Assert.Equal(1, await ScalarAsync(connectionString, $"SELECT count(*) FROM call_detail_records WHERE call_id = 'call-ack-{i}'"));
            }
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task The_schema_script_can_be_applied_again()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        await ApplySchemaAsync(connectionString);
        Assert.Equal(3, await ScalarAsync(connectionString,
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('call_detail_records', 'agent_state_intervals', 'queue_events')"));
        Assert.Equal(4, await ScalarAsync(connectionString,
            "SELECT count(*) FROM pg_views WHERE viewname IN ('call_details', 'call_queue_visits', 'queue_event_counts_15m', 'agent_state_daily')"));
    }

    [Fact]
    public async Task Every_field_round_trips_into_its_column()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        // Non-UTC offsets on purpose: stored as instants (timestamptz), read back in UTC.
        var arrived = new DateTimeOffset(2025, 6, 1, 12, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_560);
        var full = new CallDetailRecord
        {
            CallId = "call-full",
            CallerNumber = "+4930123456",
            CalledNumber = "+49800111222",
            Service = "billing",
            Region = "berlin",
            QueuePath = ["q-billing", "q-overflow", "q-last"],
            AgentId = "agent-7",
            ArrivedAt = arrived,
            FirstOfferedAt = arrived.AddSeconds(4),
            AnsweredAt = arrived.AddSeconds(9).AddTicks(10),
            EndedAt = arrived.AddMinutes(5),
            Wait = TimeSpan.FromTicks(90_000_010), // 9.000001 s
            Talk = TimeSpan.FromSeconds(271),
            Hold = TimeSpan.FromSeconds(20),
            WrapUp = TimeSpan.FromSeconds(30),
            Outcome = CallOutcome.Callback,
            EndedBy = CallParty.Agent,
            Priority = 3,
            Offers = 2,
            AttachedData = ImmutableDictionary<string, string>.Empty.Add("account", "A-991").Add("ivr", "2*1").Add("name", "Zoë \"Q\" Ünal"),
            SurveyScore = 4,
            RecordingPath = "/rec/2025/06/01/call-full.opus",
            Detail = "callback requested",
            HandledBy = ["agent-3", "agent-7"],
            Direction = CallDirection.Outbound,
        };
        var minimal = new CallDetailRecord
        {
            CallId = "call-minimal",
            CallerNumber = "anonymous",
            Service = "sales",
            ArrivedAt = arrived,
            EndedAt = arrived.AddSeconds(1),
            Outcome = CallOutcome.Rejected,
        };
        var interval = new AgentStateInterval("agent-7", AgentState.NotReady, arrived, arrived.AddMinutes(3).AddTicks(70), "lunch", "call-x");
        var queueEvent = new QueueEvent("q-billing", "call-full", 5, QueueEventKind.Overflowed, arrived.AddSeconds(3), "agent-7", "no agent in 30 s");

        var writer = await StartWriterAsync(Options(connectionString, folder));
        try
        {
            Write(writer, full);
            Write(writer, minimal);
            Write(writer, interval);
            Write(writer, queueEvent);
            await EventuallyAsync(() => writer.Counters.Committed == 4, "4 records committed");
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            SELECT call_id, caller_number, called_number, service, region, queue_path, queue_id, agent_id, arrived_at,
                   first_offered_at, answered_at, ended_at, wait, talk, hold, wrap_up, outcome, ended_by, priority,
                   offers, attached_data::text, survey_score, recording_path, detail, written_at, handled_by, direction
            FROM call_detail_records ORDER BY call_id
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("call-full", reader.GetString(0));
            Assert.Equal("+4930123456", reader.GetString(1));
            Assert.Equal("+49800111222", reader.GetString(2));
            Assert.Equal("billing", reader.GetString(3));
            Assert.Equal("berlin", reader.GetString(4));
            Assert.Equal(["q-billing", "q-overflow", "q-last"], reader.GetFieldValue<string[]>(5));
            Assert.Equal("q-last", reader.GetString(6));
            Assert.Equal("agent-7", reader.GetString(7));
            Assert.Equal(full.ArrivedAt, reader.GetFieldValue<DateTimeOffset>(8));
            Assert.Equal(full.FirstOfferedAt, reader.GetFieldValue<DateTimeOffset>(9));
            Assert.Equal(full.AnsweredAt, reader.GetFieldValue<DateTimeOffset>(10)); // microseconds kept
            Assert.Equal(full.EndedAt, reader.GetFieldValue<DateTimeOffset>(11));
            Assert.Equal(full.Wait, reader.GetFieldValue<TimeSpan>(12));
            Assert.Equal(full.Talk, reader.GetFieldValue<TimeSpan>(13));
            Assert.Equal(full.Hold, reader.GetFieldValue<TimeSpan>(14));
            Assert.Equal(full.WrapUp, reader.GetFieldValue<TimeSpan>(15));
            Assert.Equal("Callback", reader.GetString(16));
            Assert.Equal("Agent", reader.GetString(17));
            Assert.Equal(3, reader.GetInt32(18));
            Assert.Equal(2, reader.GetInt32(19));
            Assert.Equal(full.AttachedData.ToDictionary(), JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(20)));
            Assert.Equal(4, reader.GetInt32(21));
            Assert.Equal("/rec/2025/06/01/call-full.opus", reader.GetString(22));
            Assert.Equal("callback requested", reader.GetString(23));
            Assert.False(reader.IsDBNull(24));
            Assert.Equal(["agent-3", "agent-7"], reader.GetFieldValue<string[]>(25));
            Assert.Equal("Outbound", reader.GetString(26));

            Assert.True(await reader.ReadAsync());
            Assert.Equal("call-minimal", reader.GetString(0));
            Assert.Equal("anonymous", reader.GetString(1));
            foreach (var nullColumn in new[] { 2, 4, 6, 7, 9, 10, 15, 21, 22, 23 })
            {
                Assert.True(reader.IsDBNull(nullColumn), $"column {reader.GetName(nullColumn)} should be null");
            }
            Assert.Empty(reader.GetFieldValue<string[]>(5));
            Assert.Equal(TimeSpan.Zero, reader.GetFieldValue<TimeSpan>(12));
            Assert.Equal("Rejected", reader.GetString(16));
            Assert.Equal("Caller", reader.GetString(17));
            Assert.Equal("{}", reader.GetString(20));
            Assert.Empty(reader.GetFieldValue<string[]>(25));
            Assert.Equal("Inbound", reader.GetString(26));
            Assert.False(await reader.ReadAsync());
        }

        await using (var command = new NpgsqlCommand(
            "SELECT agent_id, state, started_at, ended_at, duration, reason, call_id FROM agent_state_intervals", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("agent-7", reader.GetString(0));
            Assert.Equal("NotReady", reader.GetString(1));
            Assert.Equal(interval.StartedAt, reader.GetFieldValue<DateTimeOffset>(2));
            Assert.Equal(interval.EndedAt, reader.GetFieldValue<DateTimeOffset>(3));
            Assert.Equal(interval.EndedAt - interval.StartedAt, reader.GetFieldValue<TimeSpan>(4));
            Assert.Equal("lunch", reader.GetString(5));
            Assert.Equal("call-x", reader.GetString(6));
            Assert.False(await reader.ReadAsync());
        }

        await using (var command = new NpgsqlCommand(
            "SELECT queue_id, call_id, sequence, kind, at, agent_id, detail FROM queue_events", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal("q-billing", reader.GetString(0));
            Assert.Equal("call-full", reader.GetString(1));
            Assert.Equal(5, reader.GetInt32(2));
            Assert.Equal("Overflowed", reader.GetString(3));
            Assert.Equal(queueEvent.At, reader.GetFieldValue<DateTimeOffset>(4));
            Assert.Equal("agent-7", reader.GetString(5));
            Assert.Equal("no agent in 30 s", reader.GetString(6));
            Assert.False(await reader.ReadAsync());
        }
    }

    [Fact]
    public async Task The_call_details_view_takes_the_wrap_up_from_the_agents_interval()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        var answered = Cdr("call-1") with { AgentId = "agent-1", Talk = TimeSpan.FromSeconds(50), Hold = TimeSpan.FromSeconds(7), WrapUp = null };
        var known = Cdr("call-2") with { AgentId = "agent-2", Talk = TimeSpan.FromSeconds(10), Hold = TimeSpan.Zero, WrapUp = TimeSpan.FromSeconds(5) };
        var wrapping = Cdr("call-3") with { AgentId = "agent-3", Talk = TimeSpan.FromSeconds(10), Hold = TimeSpan.Zero, WrapUp = null };
        var wrapUp = new AgentStateInterval("agent-1", AgentState.WrapUp, answered.EndedAt, answered.EndedAt.AddSeconds(45), null, "call-1");
        // Someone else's interval on the same call is not this agent's wrap-up.
        var other = new AgentStateInterval("agent-9", AgentState.WrapUp, answered.EndedAt, answered.EndedAt.AddSeconds(99), null, "call-1");

        var writer = await StartWriterAsync(Options(connectionString, folder));
        try
        {
            foreach (var record in new object[] { answered, known, wrapping, wrapUp, other })
            {
                Write(writer, record);
            }
            await EventuallyAsync(() => writer.Counters.Committed == 5, "5 records committed");
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }

        Assert.Equal(45, await ScalarAsync(connectionString, "SELECT extract(epoch FROM wrap_up) FROM call_details WHERE call_id = 'call-1'"));
        Assert.Equal(50 + 7 + 45, await ScalarAsync(connectionString, "SELECT extract(epoch FROM handle_time) FROM call_details WHERE call_id = 'call-1'"));
        Assert.Equal(5, await ScalarAsync(connectionString, "SELECT extract(epoch FROM wrap_up) FROM call_details WHERE call_id = 'call-2'"));
        Assert.Equal(1, await ScalarAsync(connectionString, "SELECT count(*) FROM call_details WHERE call_id = 'call-3' AND wrap_up IS NULL"));
        Assert.Equal(3, await ScalarAsync(connectionString, "SELECT count(*) FROM call_details"));
    }

    [Fact]
    public async Task Records_are_written_in_batches_not_one_round_trip_each()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        const int calls = 20_000, intervals = 2_000, events = 2_000, total = calls + intervals + events;
        var writer = await StartWriterAsync(Options(connectionString, folder, capacity: 100_000, batchSize: 5_000));
        try
        {
            for (var i = 0; i < calls; i++)
            {
                Write(writer, Cdr($"call-{i}", i));
            }
            for (var i = 0; i < intervals; i++)
            {
                Write(writer, Interval($"agent-{i % 50}", i));
            }
            for (var i = 0; i < events; i++)
            {
                Write(writer, Event("q-1", $"call-{i / 4}", i % 4));
            }
            await EventuallyAsync(() => writer.Counters.Committed == total, $"{total} records committed");
            var counters = writer.Counters;
            Assert.Equal(total, counters.Accepted);
            Assert.Equal(total, counters.RowsWritten);
            Assert.Equal(0, counters.Buffered);
            Assert.Equal(0, counters.Spilled);
            Assert.True(counters.DatabaseReachable);
            // 24,000 records at up to 5,000 per batch: a handful of transactions, not thousands.
            Assert.InRange(counters.Batches, total / 5_000, total / 100);
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
        Assert.Equal(calls, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
        Assert.Equal(intervals, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_state_intervals"));
        Assert.Equal(events, await ScalarAsync(connectionString, "SELECT count(*) FROM queue_events"));
    }

    [Fact]
    public async Task A_record_written_twice_leaves_one_row()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        var records = new List<object>();
        for (var i = 0; i < 300; i++)
        {
            records.Add(Cdr($"call-{i}", i));
            records.Add(Interval($"agent-{i % 7}", i, $"call-{i}"));
            records.Add(Event($"q-{i % 3}", $"call-{i}", i % 5));
        }
        var distinct = records.Count;
        var writer = await StartWriterAsync(Options(connectionString, folder, batchSize: 250));
        try
        {
            // Twice in a row (duplicates inside one batch) ...
            foreach (var record in records.Take(90))
            {
                Write(writer, record);
                Write(writer, record);
            }
            foreach (var record in records.Skip(90))
            {
                Write(writer, record);
            }
            await EventuallyAsync(() => writer.Counters.Committed == distinct + 90, "first round committed");
            // ... and again later (duplicates of committed rows), as new, equal objects: first write wins.
            foreach (var record in records)
            {
                Write(writer, record is CallDetailRecord cdr ? cdr with { Detail = "second write" } : record);
            }
            await EventuallyAsync(() => writer.Counters.Committed == 2 * distinct + 90, "second round committed");
            Assert.Equal(distinct, writer.Counters.RowsWritten);
        }
        finally
        {
            await writer.DisposeAsync();
        }

        // A second writer instance (a restarted silo) writing them once more changes nothing either.
        var again = await StartWriterAsync(Options(connectionString, folder));
        try
        {
            foreach (var record in records)
            {
                Write(again, record);
            }
            await EventuallyAsync(() => again.Counters.Committed == distinct, "third round committed");
            Assert.Equal(0, again.Counters.RowsWritten);
        }
        finally
        {
            await again.DisposeAsync();
            DeleteFolder(folder);
        }
        Assert.Equal(300, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
        Assert.Equal(0, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records WHERE detail = 'second write'"));
        Assert.Equal(300, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_state_intervals"));
        Assert.Equal(300, await ScalarAsync(connectionString, "SELECT count(*) FROM queue_events"));
    }

    [Fact]
    public async Task Stopping_writes_what_is_buffered_before_returning()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        var options = Options(connectionString, folder, batchSize: 500);
        options.FlushInterval = TimeSpan.FromSeconds(30); // nothing would be written without the stop
        var writer = await StartWriterAsync(options);
        try
        {
            for (var i = 0; i < 300; i++)
            {
                Write(writer, Cdr($"call-{i}", i));
            }
            await ((IHostedService)writer).StopAsync(CancellationToken.None);
            Assert.Equal(300, writer.Counters.Committed);
            Assert.Equal(0, writer.Counters.Spilled);
            Assert.Empty(SpillFiles(folder));
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
        Assert.Equal(300, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
    }

    [Fact]
    public async Task A_record_the_database_refuses_is_set_aside_and_the_rest_written()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        var writer = await StartWriterAsync(Options(connectionString, folder, batchSize: 100));
        try
        {
            for (var i = 0; i < 100; i++)
            {
                var record = Cdr($"call-{i}", i);
                Write(writer, i switch
                {
                    37 => record with { CallerNumber = null! },                                    // NOT NULL violation
                    38 => record with { Detail = "nul\0inside", AttachedData = ImmutableDictionary<string, string>.Empty.Add("k\0", "v\0") },
                    _ => record,
                });
            }
            await EventuallyAsync(() => writer.Counters.Committed + writer.Counters.Rejected == 100, "100 records handled");
            Assert.Equal(1, writer.Counters.Rejected);
            Assert.Equal(99, writer.Counters.RowsWritten);
            Assert.Contains("caller_number", writer.Counters.LastError ?? "", StringComparison.Ordinal);
            var rejected = Directory.EnumerateFiles(folder, "rejected-*.jsonl").Single();
            var line = Assert.Single(File.ReadAllLines(rejected));
            Assert.Equal("call-37", Assert.IsType<CallDetailRecord>(SpillFormat.Parse(line)).CallId);
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
        Assert.Equal(99, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
        Assert.Equal(1, await ScalarAsync(connectionString,
            "SELECT count(*) FROM call_detail_records WHERE call_id = 'call-38' AND detail = 'nulinside' AND attached_data = '{\"k\": \"v\"}'"));
    }

    [Fact]
    public async Task One_spill_folder_serves_one_writer()
    {
        var folder = NewFolder();
        var first = await StartWriterAsync(Options(Unreachable(postgres.ServerConnectionString), folder));
        try
        {
            var second = new PostgresHistoryWriter(Options(Unreachable(postgres.ServerConnectionString), folder));
            await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(CancellationToken.None));
            await second.DisposeAsync();
        }
        finally
        {
            await first.DisposeAsync();
            DeleteFolder(folder);
        }
    }

    [Fact]
    public async Task AddPostgresHistory_registers_one_writer_as_both_sinks_and_as_a_hosted_service()
    {
        var folder = NewFolder();
        var services = new ServiceCollection();
        services.AddPostgresHistory(Options(Unreachable(postgres.ServerConnectionString), folder));
        // What AddCallCenter does afterwards: defaults only where nothing is registered.
        services.TryAddSingleton<ICallDetailRecordSink, InMemoryCallDetailRecordSink>();
        services.TryAddSingleton<IHistorySink, DiscardingHistorySink>();
        await using (var provider = services.BuildServiceProvider())
        {
            var writer = provider.GetRequiredService<PostgresHistoryWriter>();
            Assert.Same(writer, provider.GetRequiredService<ICallDetailRecordSink>());
            Assert.Same(writer, provider.GetRequiredService<IHistorySink>());
            Assert.Contains(writer, provider.GetServices<IHostedService>());
        }
        DeleteFolder(folder);
    }

    [Fact]
    public async Task The_benchmark_writes_every_record()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var result = await HistoryWriterBenchmark.RunAsync(connectionString, 5_000);
        Assert.True(result.Completed, result.LastError);
        Assert.Equal(5_000, result.RowsWritten);
        Assert.True(result.RowsPerSecond > 0);
        Assert.Equal(5_000, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
    }
}
