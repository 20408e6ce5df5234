using System.Net;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Tests.Media;

[Collection(RealTimeCollection.Name)]
public sealed class BridgeAndConferenceTests
{
    [Theory]
    [InlineData(AudioFormat.PcmuPayloadType, AudioFormat.PcmuPayloadType)]
    [InlineData(AudioFormat.PcmuPayloadType, AudioFormat.PcmaPayloadType)]
    public async Task A_bridge_carries_each_side_to_the_other_frame_by_frame(int callerType, int agentType)
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        using var callerPhone = new RtpPeer();
        using var agentPhone = new RtpPeer();
        caller.SetRemote(callerPhone.RemoteFor(callerType));
        agent.SetRemote(agentPhone.RemoteFor(agentType));
        using var bridge = engine.Bridge(caller, agent);

        short[] callerSays = [1_000, 2_000, 3_000];
        short[] agentSays = [-500, -1_500, -2_500];
        foreach (var level in callerSays)
        {
            await callerPhone.SendAudioAsync(caller, callerType, MediaTestKit.Frame(MediaTestKit.Code(callerType, level)));
        }

        foreach (var level in agentSays)
        {
            await agentPhone.SendAudioAsync(agent, agentType, MediaTestKit.Frame(MediaTestKit.Code(agentType, level)));
        }

        await MediaTestKit.WaitUntil(() => caller.PacketsReceived == 3 && agent.PacketsReceived == 3, "both sides' audio");
        for (var tick = 0; tick < 3; tick++)
        {
            engine.RunTick(tick);
        }

        for (var i = 0; i < 3; i++)
        {
            var atAgent = await agentPhone.ReceiveAsync();
            var atCaller = await callerPhone.ReceiveAsync();
            Assert.Equal(agentType, atAgent.PayloadType);
            Assert.Equal(callerType, atCaller.PayloadType);
            Assert.All(MediaTestKit.Decode(agentType, atAgent.Payload.Span), s => Assert.Equal(MediaTestKit.Level(agentType, MediaTestKit.Level(callerType, callerSays[i])), s));
            Assert.All(MediaTestKit.Decode(callerType, atCaller.Payload.Span), s => Assert.Equal(MediaTestKit.Level(callerType, MediaTestKit.Level(agentType, agentSays[i])), s));
        }

        Assert.True(bridge.IsActive);
        bridge.Dispose();
        Assert.False(caller.IsBridged);
        engine.RunTick(3);
        var silence = await agentPhone.ReceiveAsync();
        Assert.All(silence.Payload.ToArray(), b => Assert.Equal(agentType == AudioFormat.PcmaPayloadType ? G711.ALawSilence : G711.MuLawSilence, b));
    }

    [Fact]
    public async Task A_paced_bridge_relays_audio_both_ways_in_order()
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        using var callerPhone = new RtpPeer();
        using var agentPhone = new RtpPeer();
        caller.SetRemote(callerPhone.RemoteFor());
        agent.SetRemote(agentPhone.RemoteFor());
        using var bridge = engine.Bridge(caller, agent);

        // Distinct non-silent µ-law codes, one per frame; each side must hear the other's in order.
        var callerCodes = Enumerable.Range(0, 40).Select(i => (byte)(0x10 + i)).ToArray();
        var agentCodes = Enumerable.Range(0, 40).Select(i => (byte)(0x90 + i)).ToArray();
        var heardByAgent = Collect(agentPhone, agentCodes.Length);
        var heardByCaller = Collect(callerPhone, callerCodes.Length);
        for (var i = 0; i < callerCodes.Length; i++)
        {
            await callerPhone.SendAudioAsync(caller, 0, MediaTestKit.Frame(callerCodes[i]));
            await agentPhone.SendAudioAsync(agent, 0, MediaTestKit.Frame(agentCodes[i]));
            await Task.Delay(20);
        }

        AssertHeardInOrder(callerCodes, await heardByAgent);
        AssertHeardInOrder(agentCodes, await heardByCaller);
    }

    [Fact]
    public async Task Conference_roles_decide_who_hears_whom_and_nobody_hears_themselves()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var conference = new ConferenceFixture(engine);
        var caller = await conference.AddAsync("caller", ConferenceRole.Speaker, 500, AudioFormat.PcmuPayloadType);
        var agent = await conference.AddAsync("agent", ConferenceRole.Speaker, 1_000, AudioFormat.PcmaPayloadType);
        var monitor = await conference.AddAsync("monitor", ConferenceRole.Listener, 2_000, AudioFormat.PcmuPayloadType);
        var coach = await conference.AddAsync("coach", ConferenceRole.Whisperer, 4_000, AudioFormat.PcmuPayloadType, whisperTo: agent.Leg);
        Assert.Equal(4, conference.Room.Count);

        var heard = await conference.TickAsync();

        Assert.Equal(conference.Expected(agent, caller, coach), heard[agent]);
        Assert.Equal(conference.Expected(caller, agent), heard[caller]);
        Assert.Equal(conference.Expected(monitor, caller, agent), heard[monitor]);
        Assert.Equal(conference.Expected(coach, caller, agent), heard[coach]);

        // Barge: the coach becomes a speaker and everybody hears it.
        conference.Room.Join(coach.Leg, ConferenceRole.Speaker);
        heard = await conference.TickAsync();
        Assert.Equal(conference.Expected(caller, agent, coach), heard[caller]);
        Assert.Equal(conference.Expected(monitor, caller, agent, coach), heard[monitor]);

        conference.Room.Leave(monitor.Leg);
        Assert.Null(monitor.Leg.Conference);
        Assert.Equal(3, conference.Room.Count);
    }

    [Fact]
    public async Task A_loud_mix_saturates_instead_of_wrapping()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var conference = new ConferenceFixture(engine);
        await conference.AddAsync("a", ConferenceRole.Speaker, 30_000, AudioFormat.PcmuPayloadType);
        await conference.AddAsync("b", ConferenceRole.Speaker, 30_000, AudioFormat.PcmuPayloadType);
        var c = await conference.AddAsync("c", ConferenceRole.Listener, 0, AudioFormat.PcmuPayloadType);

        var heard = await conference.TickAsync();

        Assert.Equal(G711.DecodeMuLaw(G711.EncodeMuLaw(short.MaxValue)), heard[c]);
    }

    [Fact]
    public async Task Joining_a_conference_leaves_the_bridge_and_disposing_it_returns_legs_to_silence()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        var bridge = engine.Bridge(caller, agent);
        var room = engine.CreateConference("three-way");

        room.Join(caller, ConferenceRole.Speaker);
        Assert.False(bridge.IsActive);
        Assert.False(agent.IsBridged);
        Assert.Same(room, caller.Conference);
        Assert.Throws<ArgumentException>(() => room.Join(agent, ConferenceRole.Whisperer));
        Assert.Throws<ArgumentException>(() => room.Join(agent, ConferenceRole.Speaker, caller));

        room.Dispose();
        Assert.Null(caller.Conference);
        Assert.Throws<ObjectDisposedException>(() => room.Join(agent, ConferenceRole.Speaker));
        await using var other = MediaTestKit.SteppedEngine();
        await using var foreign = other.CreateLeg("foreign");
        Assert.Throws<ArgumentException>(() => engine.Bridge(caller, foreign));
    }

    private static async Task<List<byte>> Collect(RtpPeer phone, int frames)
    {
        // The engine never stops sending (silence after the talk), so reading a fixed number of packets ends.
        var codes = new List<byte>();
        for (var i = 0; i < frames + 40 && codes.Count < frames; i++)
        {
            var packet = await phone.ReceiveAsync();
            if (packet.Payload.Span[0] != G711.MuLawSilence)
            {
                codes.Add(packet.Payload.Span[0]);
            }
        }

        return codes;
    }

    private static void AssertHeardInOrder(byte[] said, List<byte> heard)
    {
        // The jitter buffer may drop audio when the test's sender bunches packets, but never reorders or invents any.
        Assert.True(heard.Count >= said.Length / 2, $"heard {heard.Count} of {said.Length} frames");
        var positions = heard.Select(code => Array.IndexOf(said, code)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Distinct().Count(), positions.Count);
    }

    /// <summary>Conference members that each send a constant level; a tick yields what each one hears.</summary>
    private sealed class ConferenceFixture(MediaEngine engine) : IAsyncDisposable
    {
        private readonly List<Member> _members = [];

        public Conference Room { get; } = engine.CreateConference("room");

        public async Task<Member> AddAsync(string name, ConferenceRole role, short level, int payloadType, RtpLeg? whisperTo = null)
        {
            var leg = engine.CreateLeg(name);
            var phone = new RtpPeer();
            leg.SetRemote(phone.RemoteFor(payloadType));
            Room.Join(leg, role, whisperTo);
            var member = new Member(leg, phone, payloadType, MediaTestKit.Level(payloadType, level));
            _members.Add(member);
            await Task.CompletedTask;
            return member;
        }

        /// <summary>What <paramref name="listener"/> should hear of <paramref name="speakers"/>: the saturated sum in its codec.</summary>
        public short Expected(Member listener, params Member[] speakers) =>
            MediaTestKit.Level(listener.PayloadType, AudioFormat.Saturate(speakers.Sum(s => s.Level)));

        public async Task<Dictionary<Member, short>> TickAsync()
        {
            // Two frames each fill the jitter buffers' cushion; one tick then plays the first out.
            var before = _members.ToDictionary(m => m, m => m.Leg.PacketsReceived);
            foreach (var member in _members)
            {
                for (var i = 0; i < 2; i++)
                {
                    await member.Phone.SendAudioAsync(member.Leg, member.PayloadType, MediaTestKit.Frame(MediaTestKit.Code(member.PayloadType, member.Level)));
                }
            }

            await MediaTestKit.WaitUntil(() => _members.All(m => m.Leg.PacketsReceived == before[m] + 2), "every member's audio");
            engine.RunTick(_tick++);
            var heard = new Dictionary<Member, short>();
            foreach (var member in _members)
            {
                var packet = await member.Phone.ReceiveAsync();
                var samples = MediaTestKit.Decode(member.PayloadType, packet.Payload.Span);
                Assert.Single(samples.Distinct());
                heard[member] = samples[0];
            }

            // Drain the second frame so the next round starts clean.
            engine.RunTick(_tick++);
            foreach (var member in _members)
            {
                await member.Phone.ReceiveAsync();
            }

            return heard;
        }

        private long _tick;

        public async ValueTask DisposeAsync()
        {
            Room.Dispose();
            foreach (var member in _members)
            {
                await member.Leg.DisposeAsync();
                member.Phone.Dispose();
            }
        }
    }

    private sealed record Member(RtpLeg Leg, RtpPeer Phone, int PayloadType, short Level);
}
