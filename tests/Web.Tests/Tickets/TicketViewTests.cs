using System.Collections.Immutable;
using CallCenter.Tickets;
using CallCenter.Web.Tickets;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>The view logic of the ticket screens: the path picture, the action inputs, the search filters, the desk settings.</summary>
public sealed class TicketViewTests
{
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property The_path_picture_starts_at_the_center_and_ends_where_the_ticket_is() =>
        Prop.ForAll(TicketRuns.Runs, run =>
        {
            var (ticket, events) = TicketRuns.Play(run);
            var route = TicketRoute.From(ticket, events);
            Assert.Equal(DemoTicketOrganization.CenterId, route[0].DepartmentId);
            Assert.Equal(ticket.Holder, route[^1].DepartmentId);
            Assert.All(route.Zip(route.Skip(1)), pair => Assert.True(pair.First.At <= pair.Second.At));
            var latest = TicketRoute.Latest(route, 3);
            Assert.Equal(Math.Min(3, route.Length), latest.Length);
            Assert.Equal(route[^1], latest[^1]);
        });

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Every_button_sends_the_action_it_is_labelled_with() =>
        Prop.ForAll(TicketRuns.Runs, run =>
        {
            var (ticket, _) = TicketRuns.Play(run);
            var menu = TicketActionMenu.For(ticket, TicketRuns.Departments, [.. TicketRuns.Departments.Select(d => d.Id)], mayApproveExtensions: true);
            foreach (var item in menu)
            {
                Assert.Equal(item.Kind, new TicketActionInputs().ToAction(item.Kind).Kind);
                Assert.DoesNotContain("Dispatched", TicketActionMenu.Label(item.Kind), StringComparison.Ordinal);
            }
        });

    [Fact]
    public void Blank_inputs_reach_the_workflow_which_refuses_them_with_a_reason_and_changes_nothing()
    {
        var (ticket, _) = TicketRuns.Workflow.Create("t1", TicketRuns.Draft(TicketCategory.Repair), TicketRuns.Monday);
        (ticket, _) = TicketRuns.Workflow.Apply(ticket, TicketRuns.Actor("center"), new Dispatch("billing"), TicketRuns.Monday);
        var returned = new TicketActionInputs().ToAction(TicketEventKind.Returned);
        var error = Assert.Throws<IllegalTicketActionException>(() => TicketRuns.Workflow.Apply(ticket, TicketRuns.Actor("billing"), returned, TicketRuns.Monday));
        Assert.Contains("reason", error.Message, StringComparison.Ordinal);

        var reply = new TicketActionInputs { Text = "refunded", Amount = 30m, Office = " counter 2 " }.ToAction(TicketEventKind.Replied);
        Assert.Equal(new SendReply(new TicketReply("refunded", 30m, "counter 2")), reply);
        var survey = new TicketActionInputs { Satisfied = false, Score = 2, Text = "slow" }.ToAction(TicketEventKind.Surveyed);
        Assert.Equal(new RecordSurvey(false, 2, "slow"), survey);
    }

    private static TicketRow Row(string id, TicketCategory category, TicketStatus status, string department, bool overdue, string title = "Bill") =>
        new(new InboxItem(new InboxEntry(id, title, category, TicketPriority.Normal, status, null, false, overdue, 0, TicketRuns.Monday),
            overdue ? TimeSpan.FromMinutes(-5) : TimeSpan.FromMinutes(int.Parse(id[1..]) * 10), overdue), department);

    private static readonly Arbitrary<(TicketRow[] Rows, TicketQuery Query)> SearchCases =
        (from rows in (from n in Gen.Choose(1, 40)
                       from category in Gen.Elements(Enum.GetValues<TicketCategory>())
                       from status in Gen.Elements(Enum.GetValues<TicketStatus>())
                       from department in Gen.Elements("center", "billing", "water")
                       from overdue in Gen.Elements(true, false)
                       from title in Gen.Elements("Wrong bill", "No water", "Street light")
                       select Row($"t{n}", category, status, department, overdue, title)).ListOf().Select(l => l.DistinctBy(r => r.Entry.TicketId).ToArray())
         from category in Gen.Elements<TicketCategory?>(null, TicketCategory.Complaint, TicketCategory.Repair)
         from status in Gen.Elements<TicketStatus?>(null, TicketStatus.Open, TicketStatus.Handling, TicketStatus.Closed)
         from department in Gen.Elements<string?>(null, "", "billing", "water")
         from overdue in Gen.Elements(true, false)
         from text in Gen.Elements<string?>(null, "", " water ", "BILL", "t1")
         select (rows, new TicketQuery(category, status, department, overdue, text))).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property The_search_keeps_exactly_the_rows_that_match_every_filter_most_urgent_first() =>
        Prop.ForAll(SearchCases, c =>
        {
            var found = TicketSearch.Filter(c.Rows, c.Query);
            var text = c.Query.Text?.Trim() ?? "";
            var expected = c.Rows.Where(r =>
                (c.Query.Category is null || r.Entry.Category == c.Query.Category)
                && (c.Query.Status is null || r.Entry.Status == c.Query.Status)
                && (string.IsNullOrEmpty(c.Query.DepartmentId) || r.DepartmentId == c.Query.DepartmentId)
                && (!c.Query.OverdueOnly || r.Item.Overdue)
                && (r.Entry.TicketId.Contains(text, StringComparison.OrdinalIgnoreCase) || r.Entry.Title.Contains(text, StringComparison.OrdinalIgnoreCase)));
            Assert.Equal(expected.Select(r => r.Entry.TicketId).Order(), found.Select(r => r.Entry.TicketId).Order());
            Assert.All(found.Zip(found.Skip(1)), pair => Assert.True(pair.First.Item.RemainingBusinessTime <= pair.Second.Item.RemainingBusinessTime));
        });

    [Fact]
    public void A_ticket_in_two_inboxes_is_listed_once()
    {
        var row = Row("t1", TicketCategory.Repair, TicketStatus.Handling, "billing", false);
        Assert.Single(TicketSearch.Filter([row, row with { DepartmentId = "billing" }], new TicketQuery()));
    }

    [Theory]
    [InlineData(125, false, "2 h 05 min left")]
    [InlineData(59.5, false, "1 h 00 min left")]
    [InlineData(45, false, "45 min left")]
    [InlineData(-40, true, "overdue by 40 min")]
    public void Remaining_business_time_reads_like_the_inbox_shows_it(double minutes, bool overdue, string expected)
    {
        var entry = new InboxEntry("t1", "Bill", TicketCategory.Repair, TicketPriority.Normal, TicketStatus.Handling, TicketRuns.Monday, false, false, 0, TicketRuns.Monday);
        Assert.Equal(expected, TicketSearch.Remaining(new InboxItem(entry, TimeSpan.FromMinutes(minutes), overdue)));
        Assert.Equal("no deadline", TicketSearch.Remaining(new InboxItem(entry, null, false)));
    }

    [Fact]
    public void People_act_for_their_listed_desks_else_the_center_when_they_register_tickets()
    {
        var options = new TicketDeskOptions();
        Assert.Equal(new[] { "billing", "billing-counter" }, options.DesksOf("Department", registersTickets: false).ToArray());
        Assert.Equal(new[] { "center" }, options.DesksOf("agent", registersTickets: true).ToArray());
        Assert.Empty(options.DesksOf("visitor", registersTickets: false));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Bad_desk_settings_are_named()
    {
        var options = new TicketDeskOptions { CenterId = " ", AnswerChannels = [] };
        options.Desks["leader"] = [];
        var errors = options.Validate();
        Assert.Contains(errors, e => e.Contains("CenterId", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Desks:leader", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("AnswerChannels", StringComparison.Ordinal));
    }
}
