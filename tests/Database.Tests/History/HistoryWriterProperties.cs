using CallCenter.Silo.History;
using FsCheck;
using FsCheck.Fluent;
using static CallCenter.Database.Tests.History.HistoryTestSupport;

namespace CallCenter.Database.Tests.History;

/// <summary>
/// Random sequences of writes (with many duplicates), outages (a proxy cutting the line),
/// pauses and writer restarts (dispose, new instance on the same spill folder): once the line is
/// back and the writer quiet, each table holds exactly the distinct keys written, nothing more,
/// nothing less, and no spill file is left.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HistoryWriterProperties(PostgresFixture postgres)
{
    public enum Kind { Cdr, Interval, Event, Down, Up, Pause, Restart }

    public sealed record Step(Kind Kind, int Key)
    {
        public override string ToString() => $"{Kind}({Key})";
    }

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Frequency(
            (10, Gen.Constant(Kind.Cdr)), (5, Gen.Constant(Kind.Interval)), (5, Gen.Constant(Kind.Event)),
            (2, Gen.Constant(Kind.Down)), (2, Gen.Constant(Kind.Up)), (3, Gen.Constant(Kind.Pause)),
            (1, Gen.Constant(Kind.Restart)))
        from key in Gen.Choose(0, 15)
        select new Step(kind, key);

    [Fact]
    public async Task The_tables_end_with_exactly_the_distinct_keys_written()
    {
        var connectionString = await NewHistoryDatabaseAsync(postgres);
        await using var proxy = new OutageProxy(connectionString);
        var steps = Gen.Sized(size => Gen.ListOf(StepGen, Math.Min(size, 45) + 5)).Select(list => list.ToArray()).ToArbitrary();
        var config = Config.QuickThrowOnFailure.WithMaxTest(12).WithQuietOnSuccess(true);
        // The body blocks on async work: run it off xUnit's synchronisation context.
        await Task.Run(() => Check.One(config, Prop.ForAll(steps, s => RunAsync(connectionString, proxy, s).GetAwaiter().GetResult())));
    }

    private static async Task<bool> RunAsync(string connectionString, OutageProxy proxy, Step[] steps)
    {
        var prefix = $"p{Guid.NewGuid():N}"[..13] + "-";
        var folder = NewFolder();
        HistoryWriterOptions Settings()
        {
            var options = Options(proxy.ConnectionString, folder, capacity: 6, batchSize: 4);
            options.FlushInterval = TimeSpan.FromMilliseconds(5);
            options.RetryInitialDelay = TimeSpan.FromMilliseconds(5);
            options.RetryMaxDelay = TimeSpan.FromMilliseconds(50);
            options.ShutdownTimeout = TimeSpan.FromSeconds(5);
            options.SpillSyncEvery = 3;
            return options;
        }

        var calls = new HashSet<string>();
        var intervals = new HashSet<string>();
        var events = new HashSet<string>();
        proxy.Up();
        var writer = await StartWriterAsync(Settings());
        try
        {
            foreach (var step in steps)
            {
                switch (step.Kind)
                {
                    case Kind.Cdr:
                        Write(writer, Cdr($"{prefix}call-{step.Key}", step.Key));
                        calls.Add($"{prefix}call-{step.Key}");
                        break;
                    case Kind.Interval:
                        Write(writer, Interval($"{prefix}agent-{step.Key % 3}", step.Key));
                        intervals.Add($"{prefix}agent-{step.Key % 3}|{step.Key}");
                        break;
                    case Kind.Event:
                        Write(writer, Event($"{prefix}q", $"call-{step.Key % 4}", step.Key));
                        events.Add($"{prefix}q|call-{step.Key % 4}|{step.Key}");
                        break;
                    case Kind.Down:
                        proxy.Down();
                        break;
                    case Kind.Up:
                        proxy.Up();
                        break;
                    case Kind.Pause:
                        await Task.Delay(step.Key * 2);
                        break;
                    case Kind.Restart:
                        await writer.DisposeAsync();
                        writer = await StartWriterAsync(Settings());
                        break;
                }
            }
            proxy.Up();
            var quiet = writer;
            await EventuallyAsync(async () =>
                quiet.Counters is { Buffered: 0, SpillFiles: 0 } &&
                (await ColumnAsync(connectionString, $"SELECT call_id FROM call_detail_records WHERE call_id LIKE '{prefix}%'")).Count == calls.Count &&
                (await ColumnAsync(connectionString, $"SELECT agent_id FROM agent_state_intervals WHERE agent_id LIKE '{prefix}%'")).Count == intervals.Count &&
                (await ColumnAsync(connectionString, $"SELECT queue_id FROM queue_events WHERE queue_id LIKE '{prefix}%'")).Count == events.Count,
                "every distinct record written");

            var storedCalls = await ColumnAsync(connectionString, $"SELECT call_id FROM call_detail_records WHERE call_id LIKE '{prefix}%'");
            var storedIntervals = await ColumnAsync(connectionString,
                $"SELECT agent_id || '|' || extract(epoch FROM started_at - '{Epoch.UtcDateTime:O}'::timestamptz)::int / 60 FROM agent_state_intervals WHERE agent_id LIKE '{prefix}%'");
            var storedEvents = await ColumnAsync(connectionString,
                $"SELECT queue_id || '|' || call_id || '|' || sequence FROM queue_events WHERE queue_id LIKE '{prefix}%'");
            Assert.Equal(calls.Order(), storedCalls.Order());
            Assert.Equal(intervals.Order(), storedIntervals.Order());
            Assert.Equal(events.Order(), storedEvents.Order());
            Assert.Equal(0, writer.Counters.Rejected);
            Assert.Equal(0, writer.Counters.Dropped);
            Assert.Empty(SpillFiles(folder));
            return true;
        }
        finally
        {
            proxy.Up();
            await writer.DisposeAsync();
            DeleteFolder(folder);
        }
    }
}
