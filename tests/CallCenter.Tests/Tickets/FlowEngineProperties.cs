using System.Collections.Immutable;
using CallCenter.Tickets;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Tickets;

/// <summary>Flows as data: random flows, random actors trying to act, against a model of who has acted in each step.</summary>
public sealed class FlowEngineProperties
{
    private static readonly string[] People = ["ann", "bob", "cho", "dan"];

    private static TicketActor ActorFor(string person) => new(person, "dept-" + person, "role-" + person);

    private static readonly Gen<FlowAssignee> Assignees =
        from person in Gen.Elements(People)
        from kind in Gen.Elements(Enum.GetValues<FlowAssigneeKind>())
        select new FlowAssignee(kind, kind switch
        {
            FlowAssigneeKind.Person => person,
            FlowAssigneeKind.Department => "dept-" + person,
            _ => "role-" + person,
        });

    private static readonly Arbitrary<(FlowDefinition Flow, (string Person, bool Approve)[] Moves)> Runs =
        (from steps in (from mode in Gen.Elements(Enum.GetValues<FlowStepMode>())
                        from assignees in Gen.Choose(1, 3).SelectMany(n => Assignees.ArrayOf(n))
                        select new FlowStep(mode.ToString(), mode, [.. assignees.DistinctBy(a => a.ToString())])).ArrayOf().Where(s => s.Length > 0)
         from moves in (from person in Gen.Elements(People)
                        from approve in Gen.Frequency((5, Gen.Constant(true)), (1, Gen.Constant(false)))
                        select (person, approve)).ArrayOf()
         select (new FlowDefinition("f", [.. steps]), moves)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property A_step_ends_only_when_all_its_assignees_acted_in_the_order_its_mode_requires() =>
        Prop.ForAll(Runs, run =>
        {
            var progress = FlowEngine.Start(run.Flow);
            var actedInStep = new List<int>();
            foreach (var (person, approve) in run.Moves)
            {
                var actor = ActorFor(person);
                var before = progress;
                var legal = FlowEngine.Check(progress, actor, approve) is null;
                try
                {
                    progress = FlowEngine.Act(progress, actor, approve);
                    Assert.True(legal);
                }
                catch (IllegalTicketActionException)
                {
                    Assert.False(legal);
                    Assert.Same(before, progress);
                    continue;
                }
                var step = run.Flow.Steps[before.StepIndex];
                if (!approve)
                {
                    Assert.Equal(FlowStepMode.Countersign, step.Mode);
                    Assert.Empty(progress.Done);
                    actedInStep.Clear();
                    continue;
                }
                var index = progress.StepIndex == before.StepIndex ? progress.Done[^1] : Enumerable.Range(0, step.Assignees.Length).Except(before.Done).Single();
                Assert.True(FlowEngine.Matches(step.Assignees[index], actor));
                actedInStep.Add(index);
                if (step.Mode == FlowStepMode.Serial)
                {
                    Assert.Equal(Enumerable.Range(0, actedInStep.Count), actedInStep);
                }
                if (progress.StepIndex != before.StepIndex)
                {
                    Assert.Equal(before.StepIndex + 1, progress.StepIndex);
                    Assert.Equal(Enumerable.Range(0, step.Assignees.Length), actedInStep.Order());
                    actedInStep.Clear();
                }
            }
            Assert.True(progress.StepIndex <= run.Flow.Steps.Length);
        });

    [Fact]
    public void A_countersign_refusal_clears_the_signatures()
    {
        var flow = new FlowDefinition("f", [new FlowStep("sign", FlowStepMode.Countersign, [new(FlowAssigneeKind.Person, "ann"), new(FlowAssigneeKind.Person, "bob")])]);
        var p = FlowEngine.Act(FlowEngine.Start(flow), ActorFor("ann"), true);
        p = FlowEngine.Act(p, ActorFor("bob"), false);
        Assert.Empty(p.Done);
        p = FlowEngine.Act(FlowEngine.Act(p, ActorFor("bob"), true), ActorFor("ann"), true);
        Assert.True(p.Finished);
        Assert.Throws<IllegalTicketActionException>(() => FlowEngine.Act(p, ActorFor("ann"), true));
    }

    [Fact]
    public void A_flow_without_steps_or_assignees_is_refused()
    {
        Assert.Throws<ArgumentException>(() => FlowEngine.Start(new FlowDefinition("f", [])));
        Assert.Throws<ArgumentException>(() => FlowEngine.Start(new FlowDefinition("f", [new FlowStep("s", FlowStepMode.Serial, ImmutableArray<FlowAssignee>.Empty)])));
    }
}
