using CallCenter.Agents;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Agents;

public sealed class AgentPresenceProperties
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static readonly Arbitrary<(AgentState Next, int Seconds)[]> Moves =
        (from next in Gen.Elements(Enum.GetValues<AgentState>())
         from seconds in Gen.Choose(0, 600)
         select (next, seconds)).ArrayOf().ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Only_legal_transitions_change_state_and_time_adds_up() =>
        Prop.ForAll(Moves, moves =>
        {
            var presence = new AgentPresence("a1", Start);
            var now = Start;
            foreach (var (next, seconds) in moves)
            {
                now += TimeSpan.FromSeconds(seconds);
                var before = presence.State;
                var legal = AgentStateMachine.IsLegal(before, next);
                try
                {
                    presence.MoveTo(next, now, next == AgentState.NotReady ? "break" : null);
                    Assert.True(legal, $"{before} -> {next} was accepted but is not legal");
                    Assert.Equal(next, presence.State);
                }
                catch (InvalidAgentTransitionException)
                {
                    Assert.False(legal, $"{before} -> {next} was refused but is legal");
                    Assert.Equal(before, presence.State);
                }
            }
            var c = presence.CountersAt(now);
            var measured = c.TalkTime + c.HoldTime + c.WrapUpTime + c.NotReadyTime;
            Assert.True(measured <= c.LoginTime, "time in the busy states cannot exceed login time");
            Assert.True(c.LoginTime <= now - Start + TimeSpan.FromDays(1));
        });

    [Fact]
    public void Not_ready_needs_a_reason_code()
    {
        var presence = new AgentPresence("a1", Start);
        Assert.Throws<ArgumentException>(() => presence.MoveTo(AgentState.NotReady, Start, ""));
        Assert.Equal(AgentState.LoggedOut, presence.State);
    }

    [Fact]
    public void Counters_record_calls_talk_and_not_ready_time()
    {
        var presence = new AgentPresence("a1", Start);
        presence.MoveTo(AgentState.NotReady, Start, "login");
        presence.MoveTo(AgentState.Ready, Start.AddMinutes(5));
        presence.MoveTo(AgentState.Reserved, Start.AddMinutes(6));
        presence.MoveTo(AgentState.OnCall, Start.AddMinutes(6).AddSeconds(10));
        presence.MoveTo(AgentState.WrapUp, Start.AddMinutes(9).AddSeconds(10));
        presence.MoveTo(AgentState.Ready, Start.AddMinutes(10));
        var c = presence.CountersAt(Start.AddMinutes(10));
        Assert.Equal(1, c.Calls);
        Assert.Equal(TimeSpan.FromMinutes(3), c.TalkTime);
        Assert.Equal(TimeSpan.FromMinutes(5), c.NotReadyTime);
        Assert.Equal(TimeSpan.FromSeconds(50), c.WrapUpTime);
        Assert.Equal(TimeSpan.FromMinutes(10), c.LoginTime);
    }

    [Fact]
    public void A_withdrawn_offer_keeps_the_agents_place_in_the_longest_idle_order()
    {
        var presence = new AgentPresence("a1", Start);
        presence.MoveTo(AgentState.Ready, Start);
        presence.MoveTo(AgentState.Reserved, Start.AddMinutes(1));
        presence.MoveTo(AgentState.Ready, Start.AddMinutes(2));
        Assert.Equal(Start, presence.IdleSince);
    }

    [Fact]
    public void A_logged_in_agent_with_a_call_cannot_log_out()
    {
        var presence = new AgentPresence("a1", Start);
        presence.MoveTo(AgentState.Ready, Start);
        presence.MoveTo(AgentState.Reserved, Start);
        presence.MoveTo(AgentState.OnCall, Start);
        var error = Assert.Throws<InvalidAgentTransitionException>(() => presence.MoveTo(AgentState.LoggedOut, Start));
        Assert.Contains("finish it first", error.Message);
    }
}
