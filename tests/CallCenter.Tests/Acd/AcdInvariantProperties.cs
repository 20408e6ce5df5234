using System.Collections.Immutable;
using CallCenter.Acd;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Acd;

/// <summary>
/// Invariants 1–4 of architecture.md over random centers and random sequences of arrivals,
/// presence changes, answers, hang-ups, abandons, ring timeouts, clock steps and message
/// deliveries in random order.
/// </summary>
public sealed class AcdInvariantProperties
{
    public enum Kind { Arrive, Ready, NotReady, Answer, HangUp, Abandon, RingTimeout, Advance, Deliver, DeliverAll }

    public sealed record Step(Kind Kind, int A, int B, int C)
    {
        public override string ToString() => $"{Kind}({A},{B},{C})";
    }

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Frequency(
            (6, Gen.Constant(Kind.Arrive)), (4, Gen.Constant(Kind.Ready)), (1, Gen.Constant(Kind.NotReady)),
            (4, Gen.Constant(Kind.Answer)), (3, Gen.Constant(Kind.HangUp)), (2, Gen.Constant(Kind.Abandon)),
            (1, Gen.Constant(Kind.RingTimeout)), (2, Gen.Constant(Kind.Advance)), (6, Gen.Constant(Kind.Deliver)),
            (2, Gen.Constant(Kind.DeliverAll)))
        from a in Gen.Choose(0, 1000)
        from b in Gen.Choose(0, 1000)
        from c in Gen.Choose(0, 1000)
        select new Step(kind, a, b, c);

    private static readonly Arbitrary<(int Seed, Step[] Steps)> Runs =
        (from seed in Gen.Choose(0, int.MaxValue)
         from steps in StepGen.ArrayOf()
         select (seed, steps)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 5000, EndSize = 300)]
    public Property Invariants_hold_over_random_event_sequences() =>
        Prop.ForAll(Runs, run =>
        {
            var model = BuildCenter(new Random(run.Seed));
            foreach (var step in run.Steps)
            {
                model.Trace.Add(step.ToString());
                Apply(model, step);
                model.CheckAlways();
                model.CheckQuiescent();
                if (model.Violations.Count > 0) break;
            }
            if (model.Violations.Count == 0)
            {
                model.Finish();
            }
            if (model.Violations.Count > 0)
            {
                throw new Xunit.Sdk.XunitException(string.Join("\n", model.Violations.Take(5))
                    + "\nLast events:\n" + string.Join("\n", model.Trace.TakeLast(400)));
            }
        });

    /// <summary>A random center: three queues with random strategies, overflow, relaxation and max wait; agents in one or two queues.</summary>
    internal static CenterModel BuildCenter(Random random)
    {
        var model = new CenterModel();
        var strategies = Enum.GetValues<RoutingStrategy>();
        RoutingStrategy Pick() => strategies[random.Next(strategies.Length)];
        model.AddQueue(new QueueSettings
        {
            Id = "q0",
            Strategy = Pick(),
            RingTimeout = TimeSpan.FromSeconds(15),
            Overflow = [new OverflowRule(OverflowCondition.WaitExceeded, TimeSpan.FromSeconds(30 + random.Next(60)), "q2")],
            RingAllLimit = 1 + random.Next(3),
        });
        model.AddQueue(new QueueSettings
        {
            Id = "q1",
            Strategy = Pick(),
            BaseMembershipLevel = 1,
            Relaxation = [new RelaxationStep(TimeSpan.FromSeconds(20), MaxMembershipLevel: 2, ProficiencyReduction: 1),
                          new RelaxationStep(TimeSpan.FromSeconds(50), DroppedSkills: ["en"])],
            RingAllLimit = 1 + random.Next(3),
        });
        model.AddQueue(new QueueSettings
        {
            Id = "q2",
            Strategy = Pick(),
            MaxWait = TimeSpan.FromSeconds(60 + random.Next(120)),
            MaxWaitAction = random.Next(2) == 0 ? MaxWaitAction.Voicemail : MaxWaitAction.Callback,
            RingAllLimit = 1 + random.Next(3),
        });
        var agents = 2 + random.Next(5);
        for (var i = 0; i < agents; i++)
        {
            var queues = ImmutableDictionary<string, int>.Empty;
            foreach (var q in new[] { "q0", "q1", "q2" })
            {
                if (random.Next(2) == 0) queues = queues.Add(q, 1 + random.Next(2));
            }
            if (queues.IsEmpty) queues = queues.Add($"q{random.Next(3)}", 1);
            var skills = ImmutableDictionary<string, int>.Empty;
            if (random.Next(2) == 0) skills = skills.Add("en", 1 + random.Next(5));
            if (random.Next(2) == 0) skills = skills.Add("billing", 1 + random.Next(5));
            model.AddAgent($"a{i}", queues, skills);
        }
        return model;
    }

    internal static void Apply(CenterModel model, Step step)
    {
        var agent = model.Agents[step.A % model.Agents.Count];
        switch (step.Kind)
        {
            case Kind.Arrive:
                var skills = (step.C % 4) switch
                {
                    0 => ImmutableDictionary<string, int>.Empty.Add("en", 1 + step.B % 5),
                    1 => ImmutableDictionary<string, int>.Empty.Add("billing", 1 + step.B % 3),
                    _ => ImmutableDictionary<string, int>.Empty,
                };
                model.Arrive($"q{step.A % 3}", step.B % 3, skills);
                break;
            case Kind.Ready: model.SetReady(agent); break;
            case Kind.NotReady: model.SetNotReady(agent); break;
            case Kind.Answer: model.Answer(agent); break;
            case Kind.HangUp: model.HangUp(agent); break;
            case Kind.Abandon:
                if (model.Calls.Count > 0) model.Abandon(model.Calls[step.B % model.Calls.Count]);
                break;
            case Kind.RingTimeout: model.RingTimeout(agent); break;
            case Kind.Advance: model.Advance(TimeSpan.FromSeconds(1 + step.B % 40)); break;
            case Kind.Deliver: model.Deliver(step.B); break;
            case Kind.DeliverAll: model.DeliverAll(); break;
        }
    }
}
