using CallCenter.Tickets;
using CallCenter.Web.Tickets;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>
/// The flow step button (TKT-2) against the workflow: on random flows (serial, parallel and
/// countersign steps naming roles, departments and people) after random completions, every viewer
/// sees the button exactly when the workflow would accept their completion of the current step.
/// </summary>
public sealed class TicketFlowMenuProperties
{
    private static readonly string[] People = ["ann", "bob", "supervisor"];
    private static readonly string[] Roles = ["Supervisor", "Department"];
    private static readonly string[] Desks = [DemoTicketOrganization.CenterId, DemoTicketOrganization.BillingBureau, "water"];

    private static readonly Gen<FlowAssignee> Assignees = Gen.OneOf(
        Gen.Elements(People).Select(p => new FlowAssignee(FlowAssigneeKind.Person, p)),
        Gen.Elements(Roles).Select(r => new FlowAssignee(FlowAssigneeKind.Role, r)),
        Gen.Elements(Desks).Select(d => new FlowAssignee(FlowAssigneeKind.Department, d)));

    /// <summary>A viewer: who, acting for which desk, holding which roles (none, one or both).</summary>
    private static readonly Gen<TicketActor> Viewers =
        from person in Gen.Elements(People)
        from desk in Gen.Elements(Desks)
        from roles in Gen.Elements("", "Supervisor", "Department", "Department,Supervisor")
        select new TicketActor(person, desk, roles);

    private static readonly Arbitrary<(FlowDefinition Flow, (TicketActor Actor, bool Approve)[] Moves, TicketActor Viewer)> Cases =
        (from steps in (from mode in Gen.Elements(Enum.GetValues<FlowStepMode>())
                        from assignees in Gen.Choose(1, 3).SelectMany(n => Assignees.ArrayOf(n))
                        select new FlowStep(mode.ToString(), mode, [.. assignees.DistinctBy(a => a.ToString())])).ArrayOf().Where(s => s.Length > 0)
         from moves in (from actor in Viewers
                        from approve in Gen.Frequency((5, Gen.Constant(true)), (1, Gen.Constant(false)))
                        select (actor, approve)).ArrayOf()
         from viewer in Viewers
         select (new FlowDefinition("f", [.. steps]), moves, viewer)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 400)]
    public Property The_step_button_shows_exactly_when_the_workflow_accepts_the_viewers_completion() =>
        Prop.ForAll(Cases, c =>
        {
            var (ticket, _) = TicketRuns.Workflow.Create("f1", TicketRuns.Draft(TicketCategory.Repair) with { FlowId = "f" }, TicketRuns.Monday, c.Flow);
            foreach (var (actor, approve) in c.Moves)
            {
                if (TicketRuns.Workflow.Check(ticket, actor, new CompleteFlowStep(approve)) is null)
                {
                    (ticket, _) = TicketRuns.Workflow.Apply(ticket, actor, new CompleteFlowStep(approve), TicketRuns.Monday);
                }
            }
            var viewer = c.Viewer;
            var accepted = TicketRuns.Workflow.Check(ticket, viewer, new CompleteFlowStep(true)) is null;
            var menu = TicketActionMenu.For(ticket, TicketRuns.Departments, [viewer.DepartmentId], mayApproveExtensions: false, viewer.PersonId, viewer.Role);
            var offered = menu.SingleOrDefault(m => m.Kind == TicketEventKind.FlowStepDone);
            Assert.True(accepted == offered is not null,
                $"{viewer} on step {ticket.Flow!.StepIndex} ({ticket.Flow.CurrentStep?.Mode}): workflow {(accepted ? "accepts" : "refuses")}, menu {(offered is null ? "hides" : "shows")} the button");
            if (offered is not null)
            {
                Assert.Equal(viewer.DepartmentId, offered.ActingDepartment);
                Assert.IsType<CompleteFlowStep>(new TicketActionInputs().ToAction(offered.Kind));
            }
        });

    [Fact]
    public void A_ticket_without_a_flow_or_with_a_finished_one_offers_no_step()
    {
        var (plain, _) = TicketRuns.Workflow.Create("f2", TicketRuns.Draft(TicketCategory.Repair), TicketRuns.Monday);
        Assert.DoesNotContain(TicketActionMenu.For(plain, TicketRuns.Departments, Desks, true, "supervisor", "Supervisor"), m => m.Kind == TicketEventKind.FlowStepDone);

        var flow = new FlowDefinition("f", [new FlowStep("check", FlowStepMode.Serial, [new FlowAssignee(FlowAssigneeKind.Person, "ann")])]);
        var (ticket, _) = TicketRuns.Workflow.Create("f3", TicketRuns.Draft(TicketCategory.Repair) with { FlowId = "f" }, TicketRuns.Monday, flow);
        Assert.Contains(TicketActionMenu.For(ticket, TicketRuns.Departments, ["water"], false, "ann", null), m => m.Kind == TicketEventKind.FlowStepDone);
        (ticket, _) = TicketRuns.Workflow.Apply(ticket, new TicketActor("ann", "water"), new CompleteFlowStep(true), TicketRuns.Monday);
        Assert.True(ticket.Flow!.Finished);
        Assert.DoesNotContain(TicketActionMenu.For(ticket, TicketRuns.Departments, ["water"], false, "ann", null), m => m.Kind == TicketEventKind.FlowStepDone);
    }
}
