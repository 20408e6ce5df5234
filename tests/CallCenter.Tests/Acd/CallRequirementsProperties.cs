using System.Collections.Immutable;
using CallCenter.Acd;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Acd;

public sealed class CallRequirementsProperties
{
    private static readonly QueueSettings Relaxing = new()
    {
        Id = "q",
        BaseMembershipLevel = 1,
        Relaxation =
        [
            new RelaxationStep(TimeSpan.FromSeconds(20), MaxMembershipLevel: 2, ProficiencyReduction: 1),
            new RelaxationStep(TimeSpan.FromSeconds(60), MaxMembershipLevel: 3, DroppedSkills: ["en"]),
        ],
    };

    private static readonly Arbitrary<(int Level, int En, int Billing, int NeedEn, int NeedBilling, int Wait1, int Wait2)> Cases =
        (from level in Gen.Choose(1, 4)
         from en in Gen.Choose(0, 5)
         from billing in Gen.Choose(0, 5)
         from needEn in Gen.Choose(1, 5)
         from needBilling in Gen.Choose(1, 5)
         from w1 in Gen.Choose(0, 120)
         from w2 in Gen.Choose(0, 120)
         select (level, en, billing, needEn, needBilling, w1, w2)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 1000)]
    public Property Waiting_longer_never_makes_an_eligible_agent_ineligible() =>
        Prop.ForAll(Cases, c =>
        {
            var agent = ImmutableDictionary<string, int>.Empty;
            if (c.En > 0) agent = agent.Add("en", c.En);
            if (c.Billing > 0) agent = agent.Add("billing", c.Billing);
            var need = ImmutableDictionary<string, int>.Empty.Add("en", c.NeedEn).Add("billing", c.NeedBilling);
            var (early, late) = (Math.Min(c.Wait1, c.Wait2), Math.Max(c.Wait1, c.Wait2));
            var before = CallRequirements.For(Relaxing, need, TimeSpan.FromSeconds(early)).Admits(c.Level, agent);
            var after = CallRequirements.For(Relaxing, need, TimeSpan.FromSeconds(late)).Admits(c.Level, agent);
            Assert.True(!before || after, $"eligible after {early}s but not after {late}s");
        });

    [Fact]
    public void Relaxation_widens_levels_lowers_proficiency_and_drops_skills_in_steps()
    {
        var need = ImmutableDictionary<string, int>.Empty.Add("en", 4);
        var level2Agent = ImmutableDictionary<string, int>.Empty.Add("en", 3);
        Assert.False(CallRequirements.For(Relaxing, need, TimeSpan.FromSeconds(10)).Admits(2, level2Agent));
        Assert.True(CallRequirements.For(Relaxing, need, TimeSpan.FromSeconds(20)).Admits(2, level2Agent));
        Assert.False(CallRequirements.For(Relaxing, need, TimeSpan.FromSeconds(30)).Admits(3, ImmutableDictionary<string, int>.Empty));
        Assert.True(CallRequirements.For(Relaxing, need, TimeSpan.FromSeconds(60)).Admits(3, ImmutableDictionary<string, int>.Empty));
    }

    [Fact]
    public void The_cross_queue_rule_is_priority_then_level_then_wait_then_queue()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var vip = new OfferCandidate("b", "c1", 5, t0.AddSeconds(50), 2);
        var primary = new OfferCandidate("z", "c2", 0, t0.AddSeconds(10), 1);
        var older = new OfferCandidate("y", "c3", 0, t0, 2);
        var sameAsOlder = new OfferCandidate("a", "c4", 0, t0, 2);
        Assert.Same(vip, CrossQueueRule.Best([primary, older, vip]));
        Assert.Same(primary, CrossQueueRule.Best([older, primary]));
        Assert.Same(sameAsOlder, CrossQueueRule.Best([older, sameAsOlder]));
        Assert.Null(CrossQueueRule.Best([null, null]));
    }
}
