using CallCenter.Tickets;
using CallCenter.Web.Tickets;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>
/// The detail page's buttons agree with the ticket workflow itself: on every reachable ticket and
/// for every department, an action is offered exactly when some well-formed input makes the
/// workflow accept it, with exactly the departments the workflow accepts as targets.
/// </summary>
public sealed class TicketActionMenuProperties
{
    private static readonly TicketEventKind[] MenuKinds =
    [
        TicketEventKind.Dispatched, TicketEventKind.Transferred, TicketEventKind.Returned, TicketEventKind.Replied,
        TicketEventKind.ReplyReturned, TicketEventKind.Urged, TicketEventKind.JointRequested, TicketEventKind.JointAccepted,
        TicketEventKind.JointRefused, TicketEventKind.JointReplied, TicketEventKind.ExtensionRequested, TicketEventKind.ExtensionApproved,
        TicketEventKind.ExtensionRejected, TicketEventKind.Closed, TicketEventKind.Surveyed, TicketEventKind.Reopened,
    ];

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property The_menu_offers_an_action_exactly_when_the_workflow_accepts_it() =>
        Prop.ForAll(TicketRuns.Runs, run =>
        {
            var (ticket, _) = TicketRuns.Play(run);
            foreach (var department in TicketRuns.Departments)
            {
                var actor = TicketRuns.Actor(department.Id);
                var menu = TicketActionMenu.For(ticket, TicketRuns.Departments, [department.Id], mayApproveExtensions: true);
                foreach (var kind in MenuKinds)
                {
                    var accepted = TicketRuns.WellFormed().Where(a => a.Kind == kind && TicketRuns.Workflow.Check(ticket, actor, a) is null).ToList();
                    var offered = menu.SingleOrDefault(m => m.Kind == kind);
                    Assert.True(accepted.Count > 0 == offered is not null,
                        $"{kind} for {department.Id} on a {ticket.Status} ticket at {ticket.Holder}: workflow accepts {accepted.Count} inputs, menu {(offered is null ? "hides it" : "offers it")}");
                    if (offered is not null && kind is TicketEventKind.Dispatched or TicketEventKind.Transferred or TicketEventKind.JointRequested)
                    {
                        var acceptedTargets = accepted.Select(Target).Order().ToList();
                        Assert.Equal(acceptedTargets, offered.Targets.Select(d => d.Id).Order().ToList());
                    }
                    if (offered is not null)
                    {
                        Assert.Equal(department.Id, offered.ActingDepartment);
                    }
                }
            }
        });

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Only_people_who_may_approve_see_the_extension_decision() =>
        Prop.ForAll(TicketRuns.Runs, run =>
        {
            var (ticket, _) = TicketRuns.Play(run);
            var menu = TicketActionMenu.For(ticket, TicketRuns.Departments, [DemoTicketOrganization.CenterId], mayApproveExtensions: false);
            Assert.DoesNotContain(menu, m => m.Kind is TicketEventKind.ExtensionApproved or TicketEventKind.ExtensionRejected);
        });

    [Fact]
    public void A_person_at_two_levels_acts_for_the_department_that_holds_the_ticket()
    {
        var (ticket, _) = TicketRuns.Workflow.Create("t2", TicketRuns.Draft(TicketCategory.Repair), TicketRuns.Monday);
        (ticket, _) = TicketRuns.Workflow.Apply(ticket, TicketRuns.Actor("center"), new Dispatch(DemoTicketOrganization.BillingBureau), TicketRuns.Monday);
        (ticket, _) = TicketRuns.Workflow.Apply(ticket, TicketRuns.Actor(DemoTicketOrganization.BillingBureau), new Dispatch(DemoTicketOrganization.BillingCounter), TicketRuns.Monday);

        var menu = TicketActionMenu.For(ticket, TicketRuns.Departments, [DemoTicketOrganization.BillingBureau, DemoTicketOrganization.BillingCounter], mayApproveExtensions: false);

        Assert.Equal(DemoTicketOrganization.BillingCounter, menu.Single(m => m.Kind == TicketEventKind.Replied).ActingDepartment);
        Assert.Equal(DemoTicketOrganization.BillingBureau, menu.Single(m => m.Kind == TicketEventKind.Urged).ActingDepartment);
        Assert.DoesNotContain(menu, m => m.Kind == TicketEventKind.Closed);
    }

    [Fact]
    public void A_desk_that_is_not_in_the_organization_gets_no_buttons()
    {
        var (ticket, _) = TicketRuns.Workflow.Create("t3", TicketRuns.Draft(TicketCategory.Repair), TicketRuns.Monday);
        Assert.Empty(TicketActionMenu.For(ticket, TicketRuns.Departments, ["no-such-department"], mayApproveExtensions: true));
        Assert.NotEmpty(TicketActionMenu.For(ticket, TicketRuns.Departments, ["center"], mayApproveExtensions: true));
    }

    private static string Target(TicketAction action) => action switch
    {
        Dispatch d => d.DepartmentId,
        Transfer t => t.DepartmentId,
        RequestJointHandling j => j.DepartmentIds.Single(),
        _ => throw new ArgumentException(action.ToString()),
    };
}
