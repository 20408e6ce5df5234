using System.Collections.Immutable;
using CallCenter.Database.Tests.History;
using CallCenter.Database.Tests.OrleansStore;
using CallCenter.Silo.Database;
using CallCenter.Tickets;
using Npgsql;
using NpgsqlTypes;

namespace CallCenter.Database.Tests.Tickets;

/// <summary>
/// The PostgreSQL ticket archive (deploy/sql/0022) against the in-memory one: random ticket lives,
/// played by the real workflow, written to ticket_events as the history writer writes them, answer
/// every search and the completions exactly as TicketIndexing answers over the same events; the
/// monthly ranking view ranks the units as UnitRanking does.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TicketArchiveTests(PostgresFixture postgres)
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static readonly ImmutableArray<Department> Departments =
    [
        new("center", "Hotline center", DepartmentLevel.Center, null, "center-head"),
        new("water", "Water bureau", DepartmentLevel.Bureau, "center", "water-head"),
        new("roads", "Roads bureau", DepartmentLevel.Bureau, "center", null),
        new("water-north", "Water north unit", DepartmentLevel.Unit, "water", null),
        new("water-south", "Water south unit", DepartmentLevel.Unit, "water", null),
        new("roads-east", "Roads east unit", DepartmentLevel.Unit, "roads", null),
    ];

    private static readonly string[] Customers = ["Li Wei", "Wang Fang", "Zhang Min", "li wei 50%_off"];

    [Fact]
    public async Task The_history_search_and_completions_answer_exactly_as_the_memory_index_over_the_same_events()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await HistoryTestSupport.ApplySchemaAsync(connectionString);
        var tickets = Play(seed: 6, count: 60);
        await InsertAsync(connectionString, tickets.SelectMany(t => t.Events));
        var entries = tickets.Select(t => TicketIndexing.Entry(t.Ticket, t.Events)).ToList();
        var archive = new PostgresTicketArchive(connectionString);

        var queries = new List<TicketSearchQuery>
        {
            new(),
            new() { Limit = 7 },
            new() { TicketId = "t1" },
            new() { Customer = "li wei" },
            new() { Customer = "50%_" },
            new() { Customer = "%" },
            new() { Text = "reason" },
            new() { Text = "Complaint" },
            new() { Text = "water" },
            new() { CreatedFrom = Monday.AddDays(2), CreatedTo = Monday.AddDays(5) },
        };
        queries.AddRange(Departments.Select(d => new TicketSearchQuery { DepartmentId = d.Id }));
        queries.AddRange(Enum.GetValues<TicketStatus>().Select(s => new TicketSearchQuery { Status = s }));
        queries.AddRange(Enum.GetValues<TicketCategory>().Select(c => new TicketSearchQuery { Category = c, DepartmentId = "water" }));

        foreach (var query in queries)
        {
            var expected = TicketIndexing.Ordered(entries.Where(e => TicketIndexing.Matches(e, query)).Select(e => e.Hit)).Take(query.Limit).ToList();
            var actual = await archive.SearchAsync(query);
            Assert.True(expected.SequenceEqual(actual), $"{query}: memory {string.Join(",", expected.Select(h => h.TicketId))} / history {string.Join(",", actual.Select(h => h.TicketId))}\n"
                + string.Join("\n", expected.Zip(actual).Where(p => p.First != p.Second).Take(3).Select(p => $"{p.First}\n{p.Second}")));
        }
        Assert.Contains(queries, q => entries.Count(e => TicketIndexing.Matches(e, q)) is > 0 and < 60);
        Assert.Contains(tickets, t => t.Ticket.Status == TicketStatus.Closed);

        var from = Monday.AddDays(-1);
        var to = Monday.AddDays(40);
        var memoryCompletions = entries.SelectMany(e => e.Completions).OrderBy(c => c.TicketId, StringComparer.Ordinal).ThenBy(c => c.DepartmentId, StringComparer.Ordinal).ToList();
        var historyCompletions = (await archive.CompletionsAsync(from, to)).OrderBy(c => c.TicketId, StringComparer.Ordinal).ThenBy(c => c.DepartmentId, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(memoryCompletions);
        Assert.Contains(memoryCompletions, c => !c.OnTime);
        Assert.Equal(memoryCompletions, historyCompletions);

        // The monthly view ranks as the page's ranking does (the view's handling time is wall-clock, so it is not compared).
        foreach (var month in memoryCompletions.Select(c => new DateTimeOffset(c.CompletedAt.Year, c.CompletedAt.Month, 1, 0, 0, 0, TimeSpan.Zero)).Distinct())
        {
            var ranked = UnitRanking.Rank(memoryCompletions, month, month.AddMonths(1), (a, b) => b - a);
            var view = await PostgresSilo.RowsAsync(connectionString,
                $"SELECT department_id, rank, completed, on_time, overdue, repeated_extensions FROM ticket_unit_ranking WHERE month = '{month.UtcDateTime:yyyy-MM-dd}' ORDER BY department_id");
            Assert.Equal(
                ranked.OrderBy(r => r.DepartmentId, StringComparer.Ordinal).Select(r => $"{r.DepartmentId} #{r.Rank} {r.Completed}/{r.OnTime}/{r.Overdue}/{r.RepeatedExtensions}"),
                view.Select(r => $"{r[0]} #{r[1]} {r[2]}/{r[3]}/{r[4]}/{r[5]}"));
        }
    }

    private sealed record PlayedTicket(Ticket Ticket, List<TicketEvent> Events);

    /// <summary>Random ticket lives: at each step a random action by a random department, kept when the workflow accepts it.</summary>
    private static List<PlayedTicket> Play(int seed, int count)
    {
        var random = new Random(seed);
        var calendar = new TicketOptions().BuildCalendar();
        var workflow = new TicketWorkflow(new Organization(Departments), new TicketDeadlinePolicy(calendar, 0.8, (_, _) => 120), maxExtensionMinutes: 600);
        var played = new List<PlayedTicket>();
        for (var i = 0; i < count; i++)
        {
            var now = Monday.AddDays(random.Next(0, 9)).AddMinutes(random.Next(0, 480));
            var draft = new TicketDraft
            {
                Category = (TicketCategory)random.Next(0, 5),
                Customer = Customers[random.Next(Customers.Length)],
                Title = $"Ticket {i}: {(random.Next(2) == 0 ? "water" : "road")} problem",
                CenterId = "center",
                CreatedBy = "agent-7",
            };
            var (ticket, created) = workflow.Create($"t{i}", draft, now);
            var events = new List<TicketEvent> { created };
            for (var step = 0; step < 25; step++)
            {
                now = now.AddMinutes(random.Next(0, 90));
                if (workflow.RaiseDueAlert(ticket, now) is var (alerted, alert))
                {
                    ticket = alerted;
                    events.Add(alert);
                }
                TicketAction action = random.Next(12) switch
                {
                    0 or 1 => new Dispatch(random.Next(2) == 0 && Departments.Where(d => d.ParentId == ticket.Holder).ToList() is { Count: > 0 } below
                        ? below[random.Next(below.Count)].Id
                        : Departments[random.Next(Departments.Length)].Id),
                    2 => new Transfer(Departments[random.Next(Departments.Length)].Id, "wrong unit, reason given"),
                    3 => new ReturnToSender("not ours, reason given"),
                    4 or 5 => new SendReply(new TicketReply("fixed it", random.Next(3) == 0 ? 20m : null, "office")),
                    6 => new ReturnReply("reason: incomplete"),
                    7 => new RequestExtension(60, "reason: parts"),
                    8 => new ApproveExtension(),
                    9 => new CloseTicket("phone", "answered"),
                    10 => new Reopen("customer called again"),
                    _ => new RecordSurvey(random.Next(2) == 0, random.Next(1, 6)),
                };
                // Mostly the department the action belongs to, so that lives get far; sometimes anyone, so that refusals happen too.
                var department = random.Next(5) == 0 ? Departments[random.Next(Departments.Length)].Id
                    : action is ApproveExtension or CloseTicket or Reopen or RecordSurvey ? "center"
                    : ticket.Holder;
                var actor = new TicketActor($"p-{department}", department);
                if (workflow.Check(ticket, actor, action) is null)
                {
                    (ticket, var e) = workflow.Apply(ticket, actor, action, now);
                    events.Add(e);
                }
            }
            played.Add(new PlayedTicket(ticket, events));
        }
        return played;
    }

    private static async Task InsertAsync(string connectionString, IEnumerable<TicketEvent> events)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var e in events)
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO ticket_events (ticket_id, sequence, kind, at, actor, department_id, target, detail, status_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = e.TicketId });
            command.Parameters.Add(new NpgsqlParameter { Value = e.Sequence });
            command.Parameters.Add(new NpgsqlParameter { Value = e.Kind.ToString() });
            command.Parameters.Add(new NpgsqlParameter { Value = e.At.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = e.Actor });
            command.Parameters.Add(new NpgsqlParameter { Value = e.DepartmentId });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Target ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)e.Detail ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = e.StatusAfter.ToString() });
            await command.ExecuteNonQueryAsync();
        }
    }
}
