using System.Collections.Immutable;
using CallCenter.Tickets;
using FsCheck;
using FsCheck.Fluent;
using static CallCenter.Tests.Tickets.TicketTestOrganization;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// Random action sequences against the ticket state machine: half the steps pick a legal action
/// (so runs reach deep states: joint handling, extensions, replies returned, surveys), half pick
/// any action at all (so illegal ones are tried in every state and must change nothing).
/// </summary>
public sealed class TicketWorkflowProperties
{
    private static readonly FlowDefinition Review = new("review",
    [
        new FlowStep("sort", FlowStepMode.Serial, [new(FlowAssigneeKind.Department, "center")]),
        new FlowStep("assess", FlowStepMode.Parallel, [new(FlowAssigneeKind.Department, "water"), new(FlowAssigneeKind.Department, "roads")]),
        new FlowStep("sign", FlowStepMode.Countersign, [new(FlowAssigneeKind.Role, "agent"), new(FlowAssigneeKind.Department, "water")]),
    ]);

    /// <summary>Every action any actor could try, with fixed arguments.</summary>
    private static readonly ImmutableArray<(TicketActor Actor, TicketAction Action)> Candidates = BuildCandidates();

    private static ImmutableArray<(TicketActor, TicketAction)> BuildCandidates()
    {
        var reply = new TicketReply("Pipe repaired", 120m, "Water north office");
        var list = new List<(TicketActor, TicketAction)>();
        foreach (var department in Departments)
        {
            var actor = Actor(department.Id);
            foreach (var target in Departments)
            {
                list.Add((actor, new Dispatch(target.Id, department.Id == "water" ? "engineer-1" : null)));
                list.Add((actor, new Transfer(target.Id, "not ours")));
            }
            list.Add((actor, new ReturnToSender("wrong department")));
            list.Add((actor, new SendReply(reply)));
            list.Add((actor, new SendReply(new TicketReply("", null, null))));
            list.Add((actor, new ReturnReply("reply incomplete")));
            list.Add((actor, new Urge("customer called again")));
            list.Add((actor, new RequestJointHandling(["roads"])));
            list.Add((actor, new RequestJointHandling(["roads-east", "water-south"])));
            list.Add((actor, new AcceptJointHandling()));
            list.Add((actor, new RefuseJointHandling("not our road")));
            list.Add((actor, new ReplyJointPart(reply with { ResponsibleOffice = department.Id })));
            list.Add((actor, new RequestExtension(240, "parts on order")));
            list.Add((actor, new RequestExtension(0, "nothing")));
            list.Add((actor, new ApproveExtension()));
            list.Add((actor, new RejectExtension("no")));
            list.Add((actor, new CloseTicket("phone", "Your water is back.")));
            list.Add((actor, new Reopen("customer disagrees")));
            list.Add((actor, new RecordSurvey(true, 5)));
            list.Add((actor, new RecordSurvey(false, 1, "still no water")));
            list.Add((actor, new CompleteFlowStep(true)));
            list.Add((actor, new CompleteFlowStep(false)));
        }
        return [.. list];
    }

    private static readonly Arbitrary<(bool Complaint, bool WithFlow, (int Pick, bool LegalOnly, int Minutes)[] Steps)> Runs =
        (from complaint in Gen.Elements(true, true, false)
         from withFlow in Gen.Elements(true, false)
         from steps in (from pick in Gen.Choose(0, 100_000)
                        from legalOnly in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
                        from minutes in Gen.Choose(0, 180)
                        select (pick, legalOnly, minutes)).ListOf().Select(l => l.Take(120).ToArray())
         select (complaint, withFlow, steps)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 400)]
    public Property Random_actions_keep_the_ticket_legal_and_every_reply_accounted() =>
        Prop.ForAll(Runs, run =>
        {
            var workflow = Workflow(handlingMinutes: 600);
            var now = Monday;
            var (ticket, created) = workflow.Create("t1", Draft(run.Complaint ? TicketCategory.Complaint : TicketCategory.Consultation, run.WithFlow ? "review" : null), now, run.WithFlow ? Review : null);
            var events = new List<TicketEvent> { created };
            int repliesSent = 0, repliesLeftReview = 0, approved = 0;
            var escalations = new Dictionary<int, int>();
            foreach (var (pick, legalOnly, minutes) in run.Steps)
            {
                now += TimeSpan.FromMinutes(minutes);
                while (workflow.RaiseDueAlert(ticket, now) is var (alerted, alert))
                {
                    ticket = alerted;
                    events.Add(alert);
                    if (alert.Kind == TicketEventKind.Escalated)
                    {
                        escalations[ticket.Deadline!.Generation] = escalations.GetValueOrDefault(ticket.Deadline.Generation) + 1;
                    }
                }
                var legal = Candidates.Where(c => workflow.Check(ticket, c.Actor, c.Action) is null).ToList();
                var (actor, action) = legalOnly && legal.Count > 0 ? legal[pick % legal.Count] : Candidates[pick % Candidates.Length];
                var isLegal = workflow.Check(ticket, actor, action) is null;
                var before = ticket;
                try
                {
                    var (after, recorded) = workflow.Apply(ticket, actor, action, now);
                    Assert.True(isLegal, $"{action} by {actor.DepartmentId} was applied but Check refuses it");
                    Assert.Equal(action.Kind, recorded.Kind);
                    Assert.Equal(actor.PersonId, recorded.Actor);
                    Assert.Equal(now, recorded.At);
                    if (action is SendReply or CloseTicket)
                    {
                        Assert.All(before.JointParts, p => Assert.True(p.Status is JointPartStatus.Replied or JointPartStatus.Refused, $"{action.Kind} while {p.DepartmentId}'s part is {p.Status}"));
                    }
                    if (before.Status == TicketStatus.ReplyReview && action is SendReply or ReturnReply or CloseTicket)
                    {
                        repliesLeftReview++;
                    }
                    if (action is SendReply)
                    {
                        repliesSent++;
                    }
                    if (action is ApproveExtension)
                    {
                        approved++;
                    }
                    ticket = after;
                    events.Add(recorded);
                }
                catch (IllegalTicketActionException)
                {
                    Assert.False(isLegal, $"{action} by {actor.DepartmentId} is legal but was refused");
                    Assert.Same(before, ticket);
                }
                AssertLegalState(ticket);
                var underReview = ticket.Status == TicketStatus.ReplyReview ? 1 : 0;
                Assert.Equal(repliesSent, repliesLeftReview + underReview);
            }
            Assert.Equal(Enumerable.Range(0, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
            Assert.Equal(events.Count, ticket.EventCount);
            Assert.Equal(approved, ticket.Extensions.Values.Sum());
            Assert.True(approved == 0 || !ticket.OnTime, "an approved extension means the ticket is no longer on time");
            Assert.All(escalations, e => Assert.Equal(1, e.Value));
            Assert.Equal(DeadlineAlert.None, TicketDeadlinePolicy.DueAlert(ticket, now));
        });

    private static void AssertLegalState(Ticket ticket)
    {
        Assert.False(ticket.Path.IsDefaultOrEmpty);
        Assert.Equal("center", ticket.Path[0]);
        for (var i = 1; i < ticket.Path.Length; i++)
        {
            Assert.Equal(ticket.Path[i - 1], TicketTestOrganization.Organization[ticket.Path[i]].ParentId);
        }
        var atCenter = ticket.Path.Length == 1;
        switch (ticket.Status)
        {
            case TicketStatus.Open:
                Assert.True(atCenter, "an open ticket waits at the center");
                break;
            case TicketStatus.Handling:
                Assert.False(atCenter, "a ticket in handling is below the center");
                break;
            case TicketStatus.ReplyReview:
                Assert.NotNull(ticket.Reply);
                Assert.Equal(ticket.Holder, TicketTestOrganization.Organization[ticket.RepliedBy!].ParentId);
                break;
            case TicketStatus.Closed or TicketStatus.Surveyed:
                Assert.True(atCenter);
                Assert.NotNull(ticket.ClosedAt);
                Assert.NotNull(ticket.CustomerChannel);
                Assert.Empty(ticket.JointParts.Where(p => p.Status is JointPartStatus.Invited or JointPartStatus.Accepted));
                break;
        }
        if (!ticket.JointParts.IsEmpty)
        {
            Assert.Equal(TicketCategory.Complaint, ticket.Draft.Category);
        }
        Assert.Equal(ticket.Status == TicketStatus.Surveyed, ticket.Satisfied == true);
        if (ticket.PendingExtensionMinutes is not null)
        {
            Assert.True(ticket.IsOpen);
        }
    }

    [Fact]
    public void A_joint_complaint_completes_only_when_every_part_replied_or_refused()
    {
        var workflow = Workflow();
        var (t, _) = workflow.Create("t1", Draft(), Monday);
        t = workflow.Apply(t, Actor("center"), new Dispatch("water"), Monday).Ticket;
        t = workflow.Apply(t, Actor("water"), new RequestJointHandling(["roads", "water-south"]), Monday).Ticket;
        var reply = new SendReply(new TicketReply("Fixed", null, "Water"));
        Assert.Contains("joint", workflow.Check(t, Actor("water"), reply));
        t = workflow.Apply(t, Actor("roads"), new AcceptJointHandling(), Monday).Ticket;
        t = workflow.Apply(t, Actor("water-south"), new RefuseJointHandling("not in our area"), Monday).Ticket;
        Assert.Throws<IllegalTicketActionException>(() => workflow.Apply(t, Actor("water"), reply, Monday));
        t = workflow.Apply(t, Actor("roads"), new ReplyJointPart(new TicketReply("Road reopened", null, "Roads")), Monday).Ticket;
        var (replied, e) = workflow.Apply(t, Actor("water"), reply, Monday);
        Assert.Equal(TicketStatus.ReplyReview, replied.Status);
        Assert.Equal("center", replied.Holder);
        Assert.Equal(TicketEventKind.Replied, e.Kind);
    }

    [Fact]
    public void Joint_handling_is_refused_for_a_consultation()
    {
        var workflow = Workflow();
        var (t, _) = workflow.Create("t1", Draft(TicketCategory.Consultation), Monday);
        t = workflow.Apply(t, Actor("center"), new Dispatch("water"), Monday).Ticket;
        var error = Assert.Throws<IllegalTicketActionException>(() => workflow.Apply(t, Actor("water"), new RequestJointHandling(["roads"]), Monday));
        Assert.Contains("complaints", error.Message);
    }

    [Fact]
    public void Replies_go_up_one_level_and_a_returned_reply_goes_back_down()
    {
        var workflow = Workflow();
        var center = Actor("center");
        var (t, _) = workflow.Create("t1", Draft(), Monday);
        t = workflow.Apply(t, center, new Dispatch("water"), Monday).Ticket;
        t = workflow.Apply(t, Actor("water"), new Dispatch("water-north", "plumber-3"), Monday).Ticket;
        Assert.Equal("plumber-3", t.Assignee);
        t = workflow.Apply(t, Actor("water-north"), new SendReply(new TicketReply("Valve replaced", 50m, "North office")), Monday).Ticket;
        Assert.Equal(("water", TicketStatus.ReplyReview), (t.Holder, t.Status));
        Assert.Throws<IllegalTicketActionException>(() => workflow.Apply(t, center, new CloseTicket("phone", "done"), Monday));
        t = workflow.Apply(t, Actor("water"), new SendReply(t.Reply!), Monday).Ticket;
        Assert.Equal(("center", TicketStatus.ReplyReview), (t.Holder, t.Status));
        var (back, e) = workflow.Apply(t, center, new ReturnReply("no amount for the refund"), Monday);
        Assert.Equal(("water", TicketStatus.Handling, "water"), (back.Holder, back.Status, e.Target));
        var closed = workflow.Apply(workflow.Apply(back, Actor("water"), new SendReply(new TicketReply("Refund 50", 50m, "North office")), Monday).Ticket, center, new CloseTicket("sms", "Refund paid"), Monday.AddHours(1)).Ticket;
        Assert.Equal(TicketStatus.Closed, closed.Status);
        Assert.True(closed.OnTime);
    }

    [Fact]
    public void An_approved_extension_gives_a_new_period_and_counts_against_the_unit()
    {
        var workflow = Workflow(handlingMinutes: 60);
        var (t, _) = workflow.Create("t1", Draft(TicketCategory.Repair), Monday);
        t = workflow.Apply(t, Actor("center"), new Dispatch("roads"), Monday).Ticket;
        t = workflow.Apply(t, Actor("roads"), new Dispatch("roads-east"), Monday).Ticket;
        t = workflow.Apply(t, Actor("roads-east"), new RequestExtension(240, "asphalt delivery"), Monday.AddMinutes(30)).Ticket;
        Assert.Throws<IllegalTicketActionException>(() => workflow.Apply(t, Actor("roads"), new ApproveExtension(), Monday.AddMinutes(31)));
        var approvedAt = Monday.AddMinutes(40);
        t = workflow.Apply(t, Actor("center"), new ApproveExtension(), approvedAt).Ticket;
        Assert.False(t.OnTime);
        Assert.Equal(1, t.Extensions["roads-east"]);
        Assert.Equal(2, t.Deadline!.Generation);
        // 09:40 + 240 business minutes: 2h20 to noon, lunch, 1h40 after 13:00.
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 14, 40, 0, TimeSpan.Zero), t.Deadline.DueAt);
    }

    [Fact]
    public void A_bad_survey_reopens_the_ticket_with_a_new_period_and_a_good_one_closes_the_loop()
    {
        var workflow = Workflow();
        var center = Actor("center");
        var (t, _) = workflow.Create("t1", Draft(TicketCategory.Consultation), Monday);
        t = workflow.Apply(t, center, new CloseTicket("phone", "Opening hours are 9 to 5"), Monday).Ticket;
        var (reopened, e) = workflow.Apply(t, center, new RecordSurvey(false, 2, "wrong hours"), Monday.AddHours(2));
        Assert.Equal((TicketStatus.Open, 1, 2), (reopened.Status, reopened.Reopens, reopened.Deadline!.Generation));
        Assert.Equal(TicketEventKind.Surveyed, e.Kind);
        t = workflow.Apply(reopened, center, new CloseTicket("phone", "Sorry: 8 to 6"), Monday.AddHours(3)).Ticket;
        t = workflow.Apply(t, center, new RecordSurvey(true, 5), Monday.AddHours(4)).Ticket;
        Assert.Equal(TicketStatus.Surveyed, t.Status);
        Assert.Throws<IllegalTicketActionException>(() => workflow.Apply(t, center, new RecordSurvey(true, 5), Monday.AddHours(5)));
    }

    [Fact]
    public void Bad_drafts_are_refused()
    {
        var workflow = Workflow();
        Assert.Throws<IllegalTicketActionException>(() => workflow.Create("t1", Draft() with { CenterId = "water" }, Monday));
        Assert.Throws<IllegalTicketActionException>(() => workflow.Create("t1", Draft() with { Title = " " }, Monday));
        Assert.Throws<IllegalTicketActionException>(() => workflow.Create("", Draft(), Monday));
        Assert.Throws<IllegalTicketActionException>(() => workflow.Create("t1", Draft(flowId: "nope"), Monday));
    }

    [Fact]
    public void Warning_then_escalation_each_once_per_period()
    {
        var workflow = Workflow(handlingMinutes: 100);
        var (t, _) = workflow.Create("t1", Draft(), Monday);
        Assert.Null(workflow.RaiseDueAlert(t, Monday.AddMinutes(79)));
        var (warned, w) = workflow.RaiseDueAlert(t, Monday.AddMinutes(80))!.Value;
        Assert.Equal(TicketEventKind.Warned, w.Kind);
        Assert.Null(workflow.RaiseDueAlert(warned, Monday.AddMinutes(99)));
        var (escalated, x) = workflow.RaiseDueAlert(warned, Monday.AddMinutes(100))!.Value;
        Assert.Equal((TicketEventKind.Escalated, "center-head"), (x.Kind, x.Target));
        Assert.False(escalated.OnTime);
        Assert.Null(workflow.RaiseDueAlert(escalated, Monday.AddDays(3)));
    }
}
