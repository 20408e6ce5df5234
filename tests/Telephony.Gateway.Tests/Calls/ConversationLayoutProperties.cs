using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Media;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>Who hears whom on a call with supervisors (WB-2): the layout the gateway gives the mixer.</summary>
public sealed class ConversationLayoutProperties
{
    private sealed record Leg(string Name)
    {
        public override string ToString() => Name;
    }

    /// <summary>The mixer's rule (see <see cref="Conference"/>): speakers are heard by all, a whisperer by its target, a listener by nobody.</summary>
    private static bool Hears(ConversationSeat<Leg> listener, ConversationSeat<Leg> speaker) =>
        listener.Leg != speaker.Leg && (speaker.Role == ConferenceRole.Speaker
            || (speaker.Role == ConferenceRole.Whisperer && speaker.WhisperTarget == listener.Leg));

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Supervisors_never_break_the_conversation_and_are_heard_only_as_their_mode_allows() =>
        Prop.ForAll(
            Gen.Zip(Gen.Elements(true, false), Gen.Zip(Gen.Choose(1, 3), Gen.Elements(Enum.GetValues<MonitorMode>()).ListOf())).ToArbitrary(),
            input =>
            {
                var (held, (agentCount, modes)) = input;
                var caller = new Leg("caller");
                var agents = Enumerable.Range(1, agentCount).Select(i => new Leg($"agent-{i}")).ToList();
                var supervisors = modes.Select((mode, i) => (new Leg($"sup-{i}"), mode)).ToList();
                var seats = ConversationLayout.Seats(caller, held, agents, supervisors);
                ConversationSeat<Leg>? SeatOf(Leg leg) => seats.SingleOrDefault(s => s.Leg == leg);

                Assert.Equal(seats.Count, seats.Select(s => s.Leg).Distinct().Count());
                Assert.Equal(held, SeatOf(caller) is null);
                Assert.Equal(modes.Count > 0 || agentCount > 1, ConversationLayout.NeedsMixer(agentCount, modes.Count));
                // The conversation: the caller (unless on hold) and every agent hear each other.
                var parties = agents.Concat(held ? [] : new[] { caller }).Select(leg => SeatOf(leg)!).ToList();
                foreach (var a in parties)
                {
                    foreach (var b in parties.Where(b => b != a))
                    {
                        Assert.True(Hears(a, b), $"{a.Leg} does not hear {b.Leg}");
                    }
                }
                foreach (var (leg, mode) in supervisors)
                {
                    var supervisor = SeatOf(leg)!;
                    // Every supervisor hears the whole conversation.
                    Assert.All(parties, party => Assert.True(Hears(supervisor, party)));
                    var heardBy = seats.Where(s => Hears(s, supervisor)).Select(s => s.Leg).ToList();
                    var expected = mode switch
                    {
                        MonitorMode.Listen => [],
                        MonitorMode.Whisper => [agents[0]],
                        _ => seats.Select(s => s.Leg).Where(l => l != leg).ToList(),
                    };
                    Assert.Equal(expected, heardBy);
                }
            });
}
