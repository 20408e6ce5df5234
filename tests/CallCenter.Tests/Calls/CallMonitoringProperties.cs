using CallCenter.Calls;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Calls;

/// <summary>The pure rules of supervisor monitoring (WB-2), driven by random request / join / leave sequences.</summary>
public sealed class CallMonitoringProperties
{
    private static readonly string[] Supervisors = ["sup1", "sup2", "agent-1", ""];

    private enum Kind { Request, Join, Leave }

    private sealed record Step(Kind Kind, string Supervisor, MonitorMode Mode, CallState State)
    {
        public override string ToString() => $"{Kind}({Supervisor},{Mode},{State})";
    }

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        from supervisor in Gen.Elements(Supervisors)
        from mode in Gen.Elements([MonitorMode.Listen, MonitorMode.Whisper, MonitorMode.Barge, (MonitorMode)7])
        from state in Gen.Frequency((6, Gen.Constant(CallState.Connected)), (2, Gen.Constant(CallState.OnHold)), (2, Gen.Elements(Enum.GetValues<CallState>())))
        select new Step(kind, supervisor, mode, state);

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Monitoring_follows_a_simple_model_and_illegal_requests_change_nothing() =>
        Prop.ForAll(StepGen.ArrayOf().ToArbitrary(), steps =>
        {
            var rules = CallMonitoring.None;
            // The model: supervisor -> (mode, joined), written without the rules' code.
            var model = new Dictionary<string, (MonitorMode Mode, bool Joined)>();
            foreach (var step in steps)
            {
                var before = rules;
                switch (step.Kind)
                {
                    case Kind.Request:
                        var legal = step.State is CallState.Connected or CallState.OnHold && step.Supervisor is not ("" or "agent-1")
                            && Enum.IsDefined(step.Mode);
                        Assert.Equal(legal, CallMonitoring.Check(step.State, ["agent-1"], step.Supervisor, step.Mode) is null);
                        if (legal)
                        {
                            rules = rules.Request(step.State, ["agent-1"], step.Supervisor, step.Mode);
                            model[step.Supervisor] = (step.Mode, model.TryGetValue(step.Supervisor, out var m) && m.Joined);
                        }
                        else
                        {
                            Assert.Throws<InvalidOperationException>(() => rules.Request(step.State, ["agent-1"], step.Supervisor, step.Mode));
                            Assert.Same(before, rules);
                        }
                        break;
                    case Kind.Join:
                        var ringing = model.TryGetValue(step.Supervisor, out var joining) && !joining.Joined;
                        Assert.Equal(ringing, rules.IsRinging(step.Supervisor));
                        if (ringing)
                        {
                            rules = rules.Join(step.Supervisor);
                            model[step.Supervisor] = (joining.Mode, true);
                        }
                        else
                        {
                            // Joining twice, or joining what nobody asked for, is a clear error.
                            Assert.Throws<InvalidOperationException>(() => rules.Join(step.Supervisor));
                        }
                        break;
                    case Kind.Leave:
                        rules = rules.Leave(step.Supervisor);
                        model.Remove(step.Supervisor);
                        break;
                }
                Assert.Equal(model.Keys.Order(StringComparer.Ordinal), rules.Monitors.Keys);
                foreach (var (supervisor, (mode, joined)) in model)
                {
                    var monitor = rules.Monitors[supervisor];
                    Assert.Equal(supervisor, monitor.SupervisorId);
                    Assert.Equal(mode, monitor.Mode);
                    Assert.Equal(joined ? MonitorStatus.Joined : MonitorStatus.Ringing, monitor.Status);
                }
            }
        });

    [Fact]
    public void Changing_the_mode_of_a_joined_supervisor_keeps_it_on_the_call()
    {
        var rules = CallMonitoring.None
            .Request(CallState.Connected, ["a"], "sup", MonitorMode.Listen)
            .Join("sup")
            .Request(CallState.OnHold, ["a"], "sup", MonitorMode.Barge);
        Assert.Equal(new CallMonitor("sup", MonitorMode.Barge, MonitorStatus.Joined), rules.Monitors["sup"]);
    }
}
