using System.Collections.Immutable;
using CallCenter.Tickets;
using CallCenter.Web.Tickets;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>
/// Tickets the real workflow can reach, on the demo organization the screens seed: random runs of
/// legal actions (time moving, deadlines alerting) from a new ticket.
/// </summary>
internal static class TicketRuns
{
    public static readonly DateTimeOffset Monday = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static readonly ImmutableArray<Department> Departments = DemoTicketOrganization.Departments(DemoTicketOrganization.CenterId);

    public static TicketWorkflow Workflow { get; } = new(
        new Organization(Departments),
        new TicketDeadlinePolicy(new TicketOptions().BuildCalendar(), 0.8, (_, _) => 600),
        maxExtensionMinutes: 4800);

    public static TicketActor Actor(string department) => new($"p-{department}", department);

    private static readonly TicketReply Reply = new("fixed the meter", 12.5m, "north office");

    /// <summary>Every action with well-formed inputs, by every department.</summary>
    public static readonly ImmutableArray<(TicketActor Actor, TicketAction Action)> Candidates = BuildCandidates();

    private static ImmutableArray<(TicketActor, TicketAction)> BuildCandidates()
    {
        var list = new List<(TicketActor, TicketAction)>();
        foreach (var department in Departments)
        {
            var actor = Actor(department.Id);
            list.AddRange(WellFormed().Select(a => (actor, a)));
        }
        return [.. list];
    }

    /// <summary>Every action the detail page can send, with inputs the workflow accepts (targets over every department).</summary>
    public static IEnumerable<TicketAction> WellFormed()
    {
        foreach (var target in Departments)
        {
            yield return new Dispatch(target.Id);
            yield return new Transfer(target.Id, "wrong bureau");
            yield return new RequestJointHandling([target.Id]);
        }
        yield return new ReturnToSender("not ours");
        yield return new SendReply(Reply);
        yield return new ReturnReply("incomplete");
        yield return new Urge("customer called again");
        yield return new AcceptJointHandling();
        yield return new RefuseJointHandling("not ours");
        yield return new ReplyJointPart(Reply);
        yield return new RequestExtension(120, "parts on order");
        yield return new ApproveExtension();
        yield return new RejectExtension("too long");
        yield return new CloseTicket("phone", "fixed");
        yield return new Reopen("not fixed after all");
        yield return new RecordSurvey(true, 5);
        yield return new RecordSurvey(false, 1, "still broken");
    }

    public static TicketDraft Draft(TicketCategory category) => new()
    {
        Category = category,
        Customer = "Li Wei",
        Title = "Wrong bill for October",
        CenterId = DemoTicketOrganization.CenterId,
        CreatedBy = "agent",
    };

    /// <summary>A category and, per step, which legal action to take and how many minutes pass first.</summary>
    public static readonly Arbitrary<(TicketCategory Category, (int Pick, int Minutes)[] Steps)> Runs =
        (from category in Gen.Elements(TicketCategory.Complaint, TicketCategory.Complaint, TicketCategory.Consultation, TicketCategory.Repair)
         from steps in (from pick in Gen.Choose(0, 100_000)
                        from minutes in Gen.Choose(0, 240)
                        select (pick, minutes)).ListOf().Select(l => l.Take(60).ToArray())
         select (category, steps)).ToArbitrary();

    /// <summary>The ticket and its audit trail after the run.</summary>
    public static (Ticket Ticket, ImmutableArray<TicketEvent> Events) Play((TicketCategory Category, (int Pick, int Minutes)[] Steps) run)
    {
        var now = Monday;
        var (ticket, created) = Workflow.Create("t1", Draft(run.Category), now);
        var events = ImmutableArray.CreateBuilder<TicketEvent>();
        events.Add(created);
        foreach (var (pick, minutes) in run.Steps)
        {
            now += TimeSpan.FromMinutes(minutes);
            while (Workflow.RaiseDueAlert(ticket, now) is var (alerted, alert))
            {
                ticket = alerted;
                events.Add(alert);
            }
            var legal = Candidates.Where(c => Workflow.Check(ticket, c.Actor, c.Action) is null).ToList();
            if (legal.Count == 0)
            {
                break;
            }
            var (actor, action) = legal[pick % legal.Count];
            (ticket, var recorded) = Workflow.Apply(ticket, actor, action, now);
            events.Add(recorded);
        }
        return (ticket, events.ToImmutable());
    }
}
