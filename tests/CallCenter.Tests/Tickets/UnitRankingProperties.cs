using CallCenter.Tickets;
using FsCheck;
using FsCheck.Fluent;
using static CallCenter.Tests.Tickets.TicketTestOrganization;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// The on-time ranking (TKT-6) against a brute-force recount, and the completions it ranks as the
/// ticket workflow produces them: an approved extension or an escalation while held costs the unit
/// its on-time completion, and only that unit.
/// </summary>
public sealed class UnitRankingProperties
{
    private static readonly string[] Units = ["u1", "u2", "u3", "u4"];

    private static readonly Gen<UnitCompletion> Completions =
        from ticket in Gen.Choose(1, 40)
        from unit in Gen.Elements(Units)
        from receivedHour in Gen.Choose(0, 24 * 40)
        from handlingHours in Gen.Choose(0, 24 * 5)
        from extensions in Gen.Frequency((6, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Choose(2, 4)))
        from overdue in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        let received = Monday.AddHours(receivedHour)
        select new UnitCompletion($"t{ticket}", unit, received, received.AddHours(handlingHours), extensions, overdue);

    private static readonly Arbitrary<(UnitCompletion[] Completions, int FromDay, int Days)> Cases =
        (from completions in Completions.ArrayOf()
         from fromDay in Gen.Choose(0, 30)
         from days in Gen.Choose(1, 20)
         select (completions, fromDay, days)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Every_line_recounts_its_completions_and_the_ranks_follow_the_documented_order() =>
        Prop.ForAll(Cases, c =>
        {
            var from = Monday.AddDays(c.FromDay);
            var to = from.AddDays(c.Days);
            var ranking = UnitRanking.Rank(c.Completions, from, to, OfficeHours.Between);
            var inPeriod = c.Completions.Where(x => x.CompletedAt >= from && x.CompletedAt < to).ToList();

            Assert.Equal(inPeriod.Select(x => x.DepartmentId).Distinct().Order(), ranking.Select(r => r.DepartmentId).Order());
            foreach (var row in ranking)
            {
                var mine = inPeriod.Where(x => x.DepartmentId == row.DepartmentId).ToList();
                Assert.Equal(mine.Count, row.Completed);
                Assert.Equal(mine.Count(x => !x.Overdue && x.Extensions == 0), row.OnTime);
                Assert.Equal(mine.Count(x => x.Overdue), row.Overdue);
                Assert.Equal(mine.Sum(x => x.Extensions), row.Extensions);
                Assert.Equal(mine.Sum(x => Math.Max(0, x.Extensions - 1)), row.RepeatedExtensions);
                var handled = mine.Select(x => OfficeHours.Between(x.ReceivedAt, x.CompletedAt).Ticks).Average();
                Assert.InRange(row.AverageBusinessHandling.Ticks, (long)handled - 1, (long)handled + 1);
                // Competition ranking: one more than the number of strictly better lines.
                Assert.Equal(1 + ranking.Count(other => Better(other, row)), row.Rank);
            }
            for (var i = 1; i < ranking.Length; i++)
            {
                Assert.False(Better(ranking[i], ranking[i - 1]), $"{ranking[i].DepartmentId} ranks below {ranking[i - 1].DepartmentId} but is better");
            }
        });

    /// <summary>The documented order, written out without the cross-multiplication trick: rates as exact fractions.</summary>
    private static bool Better(UnitRankingRow a, UnitRankingRow b)
    {
        var rateA = (decimal)a.OnTime / a.Completed;
        var rateB = (decimal)b.OnTime / b.Completed;
        if (a.OnTime * b.Completed != b.OnTime * a.Completed) return rateA > rateB;
        if (a.RepeatedExtensions != b.RepeatedExtensions) return a.RepeatedExtensions < b.RepeatedExtensions;
        if (a.Overdue != b.Overdue) return a.Overdue < b.Overdue;
        return a.Completed > b.Completed;
    }

    [Fact]
    public void A_period_that_ends_before_it_starts_is_refused()
    {
        Assert.Throws<ArgumentException>(() => UnitRanking.Rank([], Monday, Monday, OfficeHours.Between));
    }

    [Fact]
    public void An_approved_extension_costs_the_unit_that_asked_its_on_time_completion_even_when_the_new_deadline_is_met()
    {
        var workflow = Workflow(handlingMinutes: 60);
        var events = new List<TicketEvent>();
        var (ticket, e) = workflow.Create("x", Draft(), Monday);
        events.Add(e);
        void Act(string department, TicketAction action, DateTimeOffset at)
        {
            (ticket, e) = workflow.Apply(ticket, Actor(department), action, at);
            events.Add(e);
        }
        Act("center", new Dispatch("water"), Monday);
        Act("water", new Dispatch("water-north"), Monday.AddMinutes(5));
        Act("water-north", new RequestExtension(120, "parts on order"), Monday.AddMinutes(30));
        Act("center", new ApproveExtension(), Monday.AddMinutes(31));
        Act("water-north", new SendReply(new TicketReply("Pipe replaced", null, "North office")), Monday.AddMinutes(90));
        Act("water", new SendReply(new TicketReply("Pipe replaced", null, "North office")), Monday.AddMinutes(95));

        var completions = TicketIndexing.Completions(events);

        var unit = Assert.Single(completions, c => c.DepartmentId == "water-north");
        Assert.Equal((Monday.AddMinutes(5), Monday.AddMinutes(90), 1, false, false), (unit.ReceivedAt, unit.CompletedAt, unit.Extensions, unit.Overdue, unit.OnTime));
        var bureau = Assert.Single(completions, c => c.DepartmentId == "water");
        Assert.True(bureau.OnTime);
        Assert.Equal(2, completions.Length);
    }

    [Fact]
    public void An_escalation_counts_against_the_department_that_held_the_ticket_when_the_deadline_passed()
    {
        var workflow = Workflow(handlingMinutes: 60);
        var events = new List<TicketEvent>();
        var (ticket, e) = workflow.Create("y", Draft(), Monday);
        events.Add(e);
        (ticket, e) = workflow.Apply(ticket, Actor("center"), new Dispatch("water"), Monday);
        events.Add(e);
        (ticket, e) = workflow.Apply(ticket, Actor("water"), new Dispatch("water-south"), Monday.AddMinutes(10));
        events.Add(e);
        var alerts = 0;
        for (var minute = 11; minute <= 70; minute++)
        {
            if (workflow.RaiseDueAlert(ticket, Monday.AddMinutes(minute)) is var (next, alert))
            {
                (ticket, e) = (next, alert);
                events.Add(e);
                alerts++;
            }
        }
        Assert.Equal(2, alerts);
        (ticket, e) = workflow.Apply(ticket, Actor("water-south"), new SendReply(new TicketReply("Valve fixed", null, null)), Monday.AddMinutes(75));
        events.Add(e);
        (_, e) = workflow.Apply(ticket, Actor("water"), new SendReply(new TicketReply("Valve fixed", null, null)), Monday.AddMinutes(76));
        events.Add(e);

        var completions = TicketIndexing.Completions(events).ToDictionary(c => c.DepartmentId);
        Assert.True(completions["water-south"].Overdue);
        Assert.False(completions["water"].Overdue);
        Assert.Equal("center", TicketIndexing.Holder(events, "center"));
        Assert.Equal(["center", "water", "water-south"], TicketIndexing.Departments(events).ToArray());
    }
}
