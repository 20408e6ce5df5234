using CallCenter.Calls;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Calls;

/// <summary>The pure transfer rules and the talk accounting across transfers (CTI-2).</summary>
public sealed class CallTransferProperties
{
    private static readonly string[] Agents = ["a", "b", "c"];

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property A_transfer_is_allowed_only_from_the_connected_agent_of_a_connected_call_to_someone_else() =>
        Prop.ForAll(
            Gen.Zip(
                Gen.Zip(Gen.Elements(Enum.GetValues<CallState>()), Gen.Elements<string?>([null, "a", "b"])),
                Gen.Zip(Gen.Elements(Agents), Gen.Zip(Gen.Elements(Enum.GetValues<TransferTargetKind>()), Gen.Elements(["a", "b", "c", "", " "])))).ToArbitrary(),
            input =>
            {
                var ((state, connected), (from, (kind, id))) = input;
                var target = new TransferTarget(kind, id);
                var error = TransferRules.Check(state, connected, from, target);
                var expected = state is CallState.Connected or CallState.OnHold
                    && connected == from
                    && !string.IsNullOrWhiteSpace(id)
                    && !(kind == TransferTargetKind.Agent && id == from);
                Assert.Equal(expected, error is null);
                if (error is null)
                {
                    // Every allowed transfer leads to a legal call transition.
                    Assert.True(CallLifecycle.IsLegal(state, TransferRules.StateAfter(kind)));
                }
            });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Talk_is_the_sum_of_the_agents_segments_and_every_agent_is_named_in_answer_order() =>
        Prop.ForAll(
            Gen.Zip(Gen.Elements(Agents), Gen.Zip(Gen.Choose(0, 600), Gen.Choose(0, 600))).ArrayOf().ToArbitrary(),
            segments =>
            {
                var start = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
                var now = start;
                var handling = new CallHandling();
                var talk = TimeSpan.Zero;
                var named = new List<string>();
                foreach (var (agent, (waitSeconds, talkSeconds)) in segments)
                {
                    // The caller waits (not talk), an agent answers and talks, then transfers.
                    now += TimeSpan.FromSeconds(waitSeconds);
                    handling = handling.Answered(agent, now);
                    if (named.Count == 0 || named[^1] != agent) named.Add(agent);
                    now += TimeSpan.FromSeconds(talkSeconds);
                    talk += TimeSpan.FromSeconds(talkSeconds);
                    handling = handling.Left(now);
                }
                Assert.Equal(talk, handling.TalkAt(now + TimeSpan.FromHours(1), TimeSpan.Zero));
                Assert.Equal(named, handling.HandledBy);
                Assert.False(handling.HasAgent);
            });

    [Fact]
    public void Two_agents_at_once_or_leaving_with_no_agent_are_errors()
    {
        var at = DateTimeOffset.UnixEpoch;
        var handling = new CallHandling().Answered("a", at);
        Assert.Throws<InvalidOperationException>(() => handling.Answered("b", at));
        Assert.Throws<InvalidOperationException>(() => new CallHandling().Left(at));
        Assert.Throws<ArgumentException>(() => new CallHandling().Answered(" ", at));
    }

    [Fact]
    public void Hold_is_not_talk_and_talk_never_goes_below_zero()
    {
        var at = DateTimeOffset.UnixEpoch;
        var handling = new CallHandling().Answered("a", at);
        Assert.Equal(TimeSpan.FromSeconds(40), handling.TalkAt(at.AddSeconds(60), TimeSpan.FromSeconds(20)));
        Assert.Equal(TimeSpan.Zero, handling.TalkAt(at.AddSeconds(10), TimeSpan.FromSeconds(20)));
    }
}
