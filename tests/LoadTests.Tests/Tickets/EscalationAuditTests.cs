using CallCenter.LoadTests.Commands;
using CallCenter.LoadTests.Tickets;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Tickets;

public sealed class EscalationAuditTests
{
    private static readonly DateTimeOffset Opening = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Random tickets, each escalated 0-3 times at random offsets around its due time, audited at a random instant.</summary>
    [Property(MaxTest = 300)]
    public Property The_audit_classifies_every_ticket_as_a_per_ticket_count_would(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var asOf = Opening.AddMinutes(random.Next(0, 120));
        var tickets = Enumerable.Range(0, random.Next(0, 40)).Select(i => new BenchTicket($"t{i}", Opening.AddMinutes(random.Next(0, 120)))).ToList();
        var escalations = tickets.SelectMany(t => Enumerable.Range(0, random.Next(0, 4)).Select(_ => new FoundEscalation(t.TicketId, t.DueAt.AddMinutes(random.Next(-5, 30)))))
            .Append(new FoundEscalation("stranger", Opening))
            .OrderBy(_ => random.Next())
            .ToList();

        var audit = EscalationAudit.Of(tickets, escalations, asOf);

        var counts = tickets.ToDictionary(t => t.TicketId, t => escalations.Where(e => e.TicketId == t.TicketId).Select(e => e.At).Order().ToList());
        var past = tickets.Where(t => t.DueAt <= asOf).ToList();
        var checks = new[]
        {
            ("past", audit.PastDeadline == past.Count),
            ("once", audit.EscalatedOnce == past.Count(t => counts[t.TicketId].Count == 1)),
            ("missing", audit.Missing.Order().SequenceEqual(past.Where(t => counts[t.TicketId].Count == 0).Select(t => t.TicketId).Order())),
            ("duplicated", audit.Duplicated.Order().SequenceEqual(past.Where(t => counts[t.TicketId].Count > 1).Select(t => t.TicketId).Order())),
            ("early", audit.Early.Order().SequenceEqual(past.Where(t => counts[t.TicketId].Count > 0 && counts[t.TicketId][0] < t.DueAt).Select(t => t.TicketId).Order())),
            ("not due", audit.NotDue.Order().SequenceEqual(tickets.Where(t => t.DueAt > asOf && counts[t.TicketId].Count > 0).Select(t => t.TicketId).Order())),
            ("unknown", audit.Unknown.SequenceEqual(["stranger"])),
            ("lateness", audit.Lateness.Length == past.Count(t => counts[t.TicketId].Count > 0)),
            ("exactly once", audit.ExactlyOnce == false),
        };
        return checks.All(c => c.Item2).Label(string.Join(", ", checks.Where(c => !c.Item2).Select(c => c.Item1)));
    }

    [Fact]
    public void One_escalation_per_past_deadline_and_none_for_the_rest_is_exactly_once()
    {
        var tickets = new[] { new BenchTicket("a", Opening), new BenchTicket("b", Opening.AddMinutes(10)), new BenchTicket("c", Opening.AddHours(5)) };
        var audit = EscalationAudit.Of(tickets, [new("a", Opening.AddSeconds(3)), new("b", Opening.AddMinutes(11))], Opening.AddHours(1));

        Assert.True(audit.ExactlyOnce);
        Assert.Equal((2, 2), (audit.PastDeadline, audit.EscalatedOnce));
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(1)], audit.Lateness.ToArray());
        Assert.Equal(TimeSpan.FromMinutes(1), audit.Percentile(0.99));
        Assert.Equal(TimeSpan.FromSeconds(3), audit.Percentile(0.5));
    }

    [Fact]
    public void Handling_periods_spread_evenly_from_one_minute_to_the_spread()
    {
        var options = new TicketBenchOptions { Tickets = 10_000 };
        Assert.Equal(1, options.HandlingMinutesOf(0));
        Assert.Equal(TicketBenchOptions.BusinessDayMinutes, options.HandlingMinutesOf(9_999));
        Assert.True(Enumerable.Range(1, 9_999).All(i => options.HandlingMinutesOf(i) >= options.HandlingMinutesOf(i - 1)));
    }

    [Fact]
    public void The_command_line_reads_the_benchmark_and_refuses_memory_storage()
    {
        var command = Assert.IsType<TicketsCommand>(CommandLine.Parse(["tickets", "--tickets", "200", "--restart-at", "0.25", "--out", "r.json", "--max-wall-lateness", "none"]));
        Assert.Equal((200, 0.25, "r.json", (double?)null), (command.Options.Tickets, command.Options.RestartAt, command.Options.OutPath, command.Options.MaxWallLatenessSeconds));
        Assert.Null(Assert.IsType<TicketsCommand>(CommandLine.Parse(["tickets", "--restart-at", "none"])).Options.RestartAt);
        Assert.Throws<UsageException>(() => CommandLine.Parse(["tickets", "--storage", "memory"]));
        Assert.Throws<UsageException>(() => CommandLine.Parse(["tickets", "--restart-at", "2"]));
        Assert.Throws<UsageException>(() => CommandLine.Parse(["tickets", "--bogus", "1"]));
    }
}
