using System.Collections.Immutable;
using CallCenter.Database.Tests.OrleansStore;
using CallCenter.Silo.History;
using CallCenter.Silo.Storage;
using CallCenter.Tickets;
using CallCenter.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Xunit.Abstractions;

namespace CallCenter.Database.Tests.Tickets;

/// <summary>
/// Ticket events reach PostgreSQL through the silo's batched history writer: a ticket driven from
/// creation to a satisfied callback survey, and another that escalates, are found row for row in
/// ticket_events and in the report views (timeliness, volumes by category, overdue, surveys).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TicketHistoryTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static readonly ImmutableArray<Department> Departments =
    [
        new("center", "Hotline center", DepartmentLevel.Center, null, "center-head"),
        new("water", "Water bureau", DepartmentLevel.Bureau, "center", "water-head"),
        new("water-north", "Water north unit", DepartmentLevel.Unit, "water", "water-north-head"),
    ];

    [Fact]
    public async Task Every_ticket_action_and_alert_lands_in_ticket_events_and_the_report_views()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await SchemaMigrator.ApplyAsync(connectionString);
        var clock = new SettableTime(Monday);
        var spill = Directory.CreateTempSubdirectory("ticket-history-spill-").FullName;
        IHost? silo = null;
        IHost? client = null;
        try
        {
            var cluster = ClusterIdentity.New();
            silo = await PostgresSilo.StartAsync(connectionString, cluster, output, s =>
            {
                s.Services.AddSingleton(new CallCenterClock(clock));
                s.Services.AddPostgresHistory(new HistoryWriterOptions { ConnectionString = connectionString, SpillFolder = spill, FlushInterval = TimeSpan.FromMilliseconds(50) });
                s.Services.Configure<TicketOptions>(o =>
                {
                    o.HandlingMinutes[TicketCategory.Complaint] = 100;
                    o.HandlingMinutes[TicketCategory.Consultation] = 10;
                });
            });
            client = await PostgresSilo.StartClientAsync(connectionString, cluster, output);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            await grains.GetTicketOrganization().Configure(Departments, []);

            // The whole path: call -> ticket -> dispatch down two levels -> reply up two levels -> close -> survey.
            var solved = grains.GetTicket("solved");
            await solved.Create(Draft("solved", TicketCategory.Complaint));
            await solved.Act(Actor("center"), new Dispatch("water"));
            await solved.Act(Actor("water"), new Dispatch("water-north", "plumber-3"));
            clock.Advance(TimeSpan.FromMinutes(30));
            await solved.Act(Actor("water-north"), new SendReply(new TicketReply("Pipe repaired", 120m, "North office")));
            await solved.Act(Actor("water"), new SendReply(new TicketReply("Pipe repaired", 120m, "North office")));
            await solved.Act(Actor("center"), new CloseTicket("phone", "The pipe was repaired; 120 refunded."));
            var surveyed = await solved.Act(Actor("center"), new RecordSurvey(true, 5, "quick"));
            Assert.Equal(TicketStatus.Surveyed, surveyed.Status);

            // A consultation the bureau lets run past its ten business minutes.
            var late = grains.GetTicket("late");
            await late.Create(Draft("late", TicketCategory.Consultation));
            await late.Act(Actor("center"), new Dispatch("water"));
            clock.Advance(TimeSpan.FromMinutes(11));
            await late.CheckDeadline();
            await late.CheckDeadline();

            var expected = (await solved.Events()).Concat(await late.Events()).ToList();
            Assert.Equal(1, expected.Count(e => e.Kind == TicketEventKind.Escalated));
            await Eventually(async () => await Scalar(connectionString, "SELECT count(*) FROM ticket_events") >= expected.Count, $"{expected.Count} ticket events in PostgreSQL");

            var rows = await PostgresSilo.RowsAsync(connectionString,
                "SELECT ticket_id, sequence, kind, at, actor, department_id, status_after FROM ticket_events ORDER BY ticket_id, sequence");
            Assert.Equal(
                expected.OrderBy(e => e.TicketId, StringComparer.Ordinal).ThenBy(e => e.Sequence)
                    .Select(e => $"{e.TicketId}/{e.Sequence}/{e.Kind}/{e.At.UtcDateTime.Ticks / 10}/{e.Actor}/{e.DepartmentId}/{e.StatusAfter}"),
                rows.Select(r => $"{r[0]}/{r[1]}/{r[2]}/{((DateTime)r[3]!).ToUniversalTime().Ticks / 10}/{r[4]}/{r[5]}/{r[6]}"));
            Assert.Equal(
                ["Created", "Dispatched", "Dispatched", "Replied", "Replied", "Closed", "Surveyed"],
                rows.Where(r => (string)r[0]! == "solved").Select(r => (string)r[2]!));

            // Timeliness by department: the unit and the bureau each replied once; the bureau let one escalate.
            var timeliness = (await PostgresSilo.RowsAsync(connectionString,
                "SELECT department_id, replies, escalations FROM ticket_timeliness_by_department ORDER BY department_id"))
                .ToDictionary(r => (string)r[0]!, r => ((long)r[1]!, (long)r[2]!));
            Assert.Equal((1L, 1L), timeliness["water"]);
            Assert.Equal((1L, 0L), timeliness["water-north"]);

            var volumes = (await PostgresSilo.RowsAsync(connectionString, "SELECT category, tickets FROM ticket_volumes_by_category"))
                .ToDictionary(r => (string)r[0]!, r => (long)r[1]!);
            Assert.Equal(new Dictionary<string, long> { ["Complaint"] = 1, ["Consultation"] = 1 }, volumes);

            var overdue = await PostgresSilo.RowsAsync(connectionString, "SELECT department_id, overdue FROM ticket_overdue_by_department");
            Assert.Equal([("water", 1L)], overdue.Select(r => ((string)r[0]!, (long)r[1]!)));
            Assert.Equal(1L, await Scalar(connectionString, "SELECT sum(escalations) FROM ticket_escalations_by_department WHERE department_id = 'water'"));

            var surveys = await PostgresSilo.RowsAsync(connectionString, "SELECT ticket_id, satisfied FROM ticket_survey_results");
            Assert.Equal([("solved", true)], surveys.Select(r => ((string)r[0]!, (bool)r[1]!)));
        }
        finally
        {
            if (client is not null) await client.StopAsync();
            if (silo is not null) await silo.StopAsync();
            try
            {
                Directory.Delete(spill, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static TicketActor Actor(string department) => new($"p-{department}", department);

    private static TicketDraft Draft(string title, TicketCategory category) => new()
    {
        Category = category,
        Customer = "Li Wei",
        CustomerNumber = "+8613800000000",
        Title = title,
        Source = TicketSource.Call,
        CenterId = "center",
        CreatedBy = "agent-7",
    };

    private static async Task<long> Scalar(string connectionString, string sql) =>
        Convert.ToInt64(await PostgresSilo.ScalarAsync<object>(connectionString, sql) ?? 0L);

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The center's clock, moved by the test (the Orleans runtime keeps real time).</summary>
    private sealed class SettableTime(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
