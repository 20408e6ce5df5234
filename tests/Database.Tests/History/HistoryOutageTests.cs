using System.Text;
using CallCenter.Calls;
using CallCenter.Silo.History;
using static CallCenter.Database.Tests.History.HistoryTestSupport;

namespace CallCenter.Database.Tests.History;

[Collection(PostgresCollection.Name)]
public sealed class HistoryOutageTests(PostgresFixture postgres)
{
    [Fact]
    public async Task During_an_outage_writes_never_block_records_spill_and_all_arrive_once_afterwards()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        const int capacity = 500;
        var writer = await StartWriterAsync(Options(connectionString, folder, capacity: capacity, batchSize: 200));
        var records = new List<object>();
        for (var i = 0; i < 2_000; i++)
        {
            records.Add(Cdr($"call-{i}", i));
        }
        for (var i = 0; i < 500; i++)
        {
            records.Add(Interval($"agent-{i % 20}", i, $"call-{i}"));
            records.Add(Event("q-1", $"call-{i}", 0));
        }
        try
        {
            // Some rows before the outage, so the replay meets rows the table already has.
            foreach (var record in records.Take(300))
            {
                Write(writer, record);
            }
            await EventuallyAsync(() => writer.Counters.Committed == 300 && writer.Counters.DatabaseReachable, "first 300 committed");

            try
            {
                await postgres.StopAsync();
                // Everything (again, with the first 300) and each record twice: 6,000 hand-overs,
                // twelve times the buffer. None may block or throw.
                foreach (var record in records)
                {
                    Write(writer, record);
                    Write(writer, record);
                }
                await EventuallyAsync(() => !writer.Counters.DatabaseReachable, "the writer noticing the outage");
                await EventuallyAsync(() => writer.Counters.Buffered <= capacity && SpillFiles(folder).Any(f => f.EndsWith(".jsonl")),
                    "memory back within the buffer, the rest in spill files");
                var during = writer.Counters;
                Assert.True(during.Spilled >= 2 * records.Count - capacity, $"spilled {during.Spilled}");
                Assert.Equal(300, during.Committed);
                Assert.NotNull(during.LastError);
            }
            finally
            {
                await postgres.StartAsync();
            }

            await EventuallyAsync(() => writer.Counters is { Buffered: 0, SpillFiles: 0, DatabaseReachable: true }, "memory flushed and spill files replayed");
            var after = writer.Counters;
            Assert.Equal(300 + 2 * records.Count, after.Accepted - after.DurabilityCopies);
            Assert.Equal(records.Count, after.RowsWritten);
            Assert.Equal(after.Accepted, after.Committed);
            Assert.Equal(after.Spilled, after.Replayed);
            Assert.Equal(0, after.Rejected);
            Assert.Equal(0, after.Dropped);
            Assert.Empty(SpillFiles(folder));
        }
        finally
        {
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
        Assert.Equal(2_000, await ScalarAsync(connectionString, "SELECT count(DISTINCT call_id) FROM call_detail_records"));
        Assert.Equal(2_000, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
        Assert.Equal(500, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_state_intervals"));
        Assert.Equal(500, await ScalarAsync(connectionString, "SELECT count(*) FROM queue_events"));
    }

    [Fact]
    public async Task Records_spilled_by_one_writer_are_replayed_by_the_next_on_start()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        try
        {
            // 100 calls are in the table already.
            var earlier = await StartWriterAsync(Options(connectionString, folder));
            for (var i = 0; i < 100; i++)
            {
                Write(earlier, Cdr($"call-{i}", i));
            }
            await EventuallyAsync(() => earlier.Counters.Committed == 100, "100 committed");
            await earlier.DisposeAsync();

            // A writer without a database: everything it holds is spilled when it is disposed, and
            // a record handed over after disposal too.
            var lost = await StartWriterAsync(Options(Unreachable(connectionString), folder));
            var handed = 0;
            for (var i = 0; i < 400; i++)
            {
                Write(lost, Cdr($"call-{i}", i)); // call-0 .. call-99 are duplicates
                handed++;
            }
            for (var i = 0; i < 50; i++)
            {
                Write(lost, Interval("agent-1", i));
                Write(lost, Event("q-1", $"call-{i}", 1));
                handed += 2;
            }
            await lost.DisposeAsync();
            Write(lost, Cdr("call-late", 999));
            handed++;
            Assert.Equal(0, lost.Counters.Committed);
            // Call records made durable during the outage have a second copy on disk.
            var copies = lost.Counters.DurabilityCopies;
            Assert.Equal(handed + copies, lost.Counters.Spilled);
            var lines = SpillFiles(folder).Sum(f => File.ReadLines(f).Count());
            Assert.Equal(handed + copies, lines);

            var next = await StartWriterAsync(Options(connectionString, folder));
            try
            {
                await EventuallyAsync(() => next.Counters.SpillFiles == 0 && next.Counters.Replayed == handed + copies, "spill files replayed");
                Assert.Equal(handed - 100, next.Counters.RowsWritten);
                Assert.Empty(SpillFiles(folder));
            }
            finally
            {
                await next.DisposeAsync();
            }
        }
        finally
        {
            DeleteFolder(folder);
        }
        Assert.Equal(401, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
        Assert.Equal(50, await ScalarAsync(connectionString, "SELECT count(*) FROM agent_state_intervals"));
        Assert.Equal(50, await ScalarAsync(connectionString, "SELECT count(*) FROM queue_events"));
    }

    [Fact]
    public async Task A_spill_file_torn_by_a_crash_is_replayed_up_to_its_last_whole_line()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        var folder = NewFolder();
        try
        {
            var text = new StringBuilder();
            for (var i = 0; i < 10; i++)
            {
                text.Append(SpillFormat.ToLine(Cdr($"call-{i}", i))).Append('\n');
            }
            var torn = SpillFormat.ToLine(Cdr("call-torn", 10));
            text.Append(torn[..(torn.Length / 2)]);
            await File.WriteAllTextAsync(Path.Combine(folder, "spill-20250101T000000000-crashed-000001.partial"), text.ToString());

            var writer = await StartWriterAsync(Options(connectionString, folder));
            try
            {
                await EventuallyAsync(() => writer.Counters.SpillFiles == 0 && writer.Counters.Replayed == 10, "the torn file replayed");
                Assert.Equal(1, writer.Counters.Rejected);
                Assert.Empty(SpillFiles(folder));
                Assert.Single(Directory.EnumerateFiles(folder, "rejected-*.jsonl"));
            }
            finally
            {
                await writer.DisposeAsync();
            }
        }
        finally
        {
            DeleteFolder(folder);
        }
        Assert.Equal(10, await ScalarAsync(connectionString, "SELECT count(*) FROM call_detail_records"));
    }
}
