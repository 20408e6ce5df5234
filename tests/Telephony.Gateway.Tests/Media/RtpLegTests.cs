using System.Net;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Tests.Media;

[Collection(RealTimeCollection.Name)]
public sealed class RtpLegTests
{
    private const int TelephoneEventType = 101;

    [Theory]
    [InlineData(AudioFormat.PcmuPayloadType)]
    [InlineData(AudioFormat.PcmaPayloadType)]
    public async Task Paced_packets_carry_one_ssrc_consecutive_sequence_numbers_and_timestamps_160_apart(int payloadType)
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        leg.SetRemote(phone.RemoteFor(payloadType));

        var packets = new List<RtpPacket>();
        for (var i = 0; i < 25; i++)
        {
            packets.Add(await phone.ReceiveAsync());
        }

        Assert.All(packets, p => Assert.Equal(payloadType, p.PayloadType));
        Assert.All(packets, p => Assert.Equal(160, p.Payload.Length));
        Assert.All(packets, p => Assert.Equal(leg.Ssrc, p.Ssrc));
        Assert.True(packets[0].Marker, "the first packet starts a talkspurt");
        Assert.All(packets.Skip(1), p => Assert.False(p.Marker));
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(packets[i - 1].SequenceNumber + 1), packets[i].SequenceNumber);

            // Timestamps follow the clock: 160 per packet time, more only if the loop had to skip ticks.
            var step = packets[i].Timestamp - packets[i - 1].Timestamp;
            Assert.True(step > 0 && step % 160 == 0, $"timestamp step {step}");
        }

        // The leg counts a packet after the socket sent it: the phone may hold the 25th a moment before.
        await MediaTestKit.WaitUntil(() => engine.Counters.PacketsSent >= 25, "the engine to count the packets the phone received");
        Assert.Equal(1, engine.ActiveLegs);
    }

    [Theory]
    [InlineData(AudioFormat.PcmuPayloadType)]
    [InlineData(AudioFormat.PcmaPayloadType)]
    public async Task A_played_prompt_decodes_back_to_the_same_audio_within_g711_quantisation(int payloadType)
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("ivr");
        using var phone = new RtpPeer();
        var samples = Enumerable.Range(0, 4_000).Select(i => (short)(8_000 * Math.Sin(i * 2 * Math.PI * 440 / 8_000) * (1 + (i % 7)) / 7)).ToArray();
        samples[0] = 5_000;
        var prompt = PromptAudio.FromPcm(samples);
        leg.SetRemote(phone.RemoteFor(payloadType));

        var received = new List<short>();
        var collecting = Task.Run(async () =>
        {
            while (true)
            {
                var packet = await phone.ReceiveAsync();
                lock (received)
                {
                    received.AddRange(MediaTestKit.Decode(payloadType, packet.Payload.Span));
                    if (received.Count > samples.Length * 3)
                    {
                        return;
                    }
                }
            }
        });
        await phone.ReceiveAsync();
        await leg.PlayAsync(AudioSources.Prompt(prompt), CancellationToken.None);
        await collecting;

        var start = received.FindIndex(s => s != 0 && Math.Abs((int)s) > 100);
        Assert.True(start >= 0, "the prompt was heard");
        var expected = samples.Select(s => MediaTestKit.Level(payloadType, s)).ToArray();
        Assert.Equal(expected, received.Skip(start).Take(samples.Length).ToArray());
        Assert.Equal(prompt.Duration, TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task Dtmf_events_become_one_digit_each_although_the_end_packet_is_sent_three_times()
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        leg.SetRemote(phone.RemoteFor());
        var digits = new List<char>();
        var sentinel = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        leg.DigitReceived += (_, digit) =>
        {
            lock (digits)
            {
                digits.Add(digit);
            }

            if (digit == '9')
            {
                sentinel.TrySetResult();
            }
        };

        ushort sequence = 1;
        uint timestamp = 1_000;
        foreach (var digit in "12#A9")
        {
            foreach (var packet in KeyPress(digit, phone.Ssrc, timestamp, sequence))
            {
                await phone.SendAsync(leg.LocalEndPoint, packet);
            }

            sequence += 10;
            timestamp += 2_000;
        }

        await sentinel.Task.WaitAsync(MediaTestKit.Patience);
        Assert.Equal("12#A9", new string([.. digits]));
    }

    [Fact]
    public async Task Sent_digits_are_rfc4733_events_with_one_timestamp_each_and_three_end_packets()
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("agent");
        using var phone = new RtpPeer();
        leg.SetRemote(phone.RemoteFor());
        await phone.ReceiveAsync();

        leg.SendDigits("5*");
        var events = new List<RtpPacket>();
        while (events.Count(p => TelephoneEvent.TryParse(p.Payload.Span, out var e) && e.End) < 6)
        {
            var packet = await phone.ReceiveAsync();
            if (packet.PayloadType == TelephoneEventType)
            {
                events.Add(packet);
            }
        }

        var byTimestamp = events.GroupBy(p => p.Timestamp).ToList();
        Assert.Equal(2, byTimestamp.Count);
        var detector = new DtmfDetector(TelephoneEventType);
        Assert.Equal("5*", new string([.. events.Select(detector.Receive).OfType<DtmfDigit>().Select(d => d.Digit)]));
        foreach (var group in byTimestamp)
        {
            var parsed = group.Select(p => { TelephoneEvent.TryParse(p.Payload.Span, out var e); return e; }).ToList();
            Assert.Equal(3, parsed.Count(e => e.End));
            Assert.True(group.First().Marker);
            Assert.All(group.Skip(1), p => Assert.False(p.Marker));
            Assert.Equal(parsed.Select(e => e.Duration).Order(), parsed.Select(e => e.Duration));
            Assert.Single(parsed.Select(e => e.Event).Distinct());
        }

        // The audio around the events goes on with the same SSRC.
        Assert.All(events, p => Assert.Equal(leg.Ssrc, p.Ssrc));
    }

    [Fact]
    public async Task Digits_without_a_telephone_event_payload_type_or_outside_dtmf_are_refused()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        leg.SetRemote(phone.RemoteFor(telephoneEvent: null));

        Assert.Throws<MediaException>(() => leg.SendDigits("1"));
        leg.SetRemote(phone.RemoteFor());
        Assert.Throws<ArgumentException>(() => leg.SendDigits("12x"));
    }

    [Fact]
    public async Task A_leg_without_an_address_sends_nothing_until_it_latches_to_the_first_valid_packet()
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        using var stranger = new RtpPeer();
        leg.SetRemote(new RtpRemote(null, AudioFormat.PcmuPayloadType, TelephoneEventType));
        var ticks = engine.Counters.Ticks;
        await MediaTestKit.WaitUntil(() => engine.Counters.Ticks > ticks + 5, "some ticks");
        Assert.Equal(0, leg.PacketsSent);

        // Not RTP, then an unnegotiated payload type: neither latches.
        await phone.SendAsync(leg.LocalEndPoint, new RtpPacket { PayloadType = 18, Payload = new byte[20] });
        await MediaTestKit.WaitUntil(() => leg.PacketsReceived == 1, "the odd packet");
        Assert.False(leg.IsLatched);

        await phone.SendAudioAsync(leg, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(0xFF));
        var packet = await phone.ReceiveAsync();
        Assert.Equal(leg.Ssrc, packet.Ssrc);
        Assert.True(leg.IsLatched);
        Assert.Equal(phone.EndPoint, leg.RemoteEndPoint);

        // Once latched, another source does not take the stream over.
        await stranger.SendAudioAsync(leg, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(0xFF));
        await MediaTestKit.WaitUntil(() => leg.PacketsReceived == 3, "the stranger's packet");
        Assert.Equal(phone.EndPoint, leg.RemoteEndPoint);
        Assert.NotNull(leg.LastReceivedAt);
    }

    [Fact]
    public async Task After_latching_audio_from_another_source_is_not_played()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        using var callerPhone = new RtpPeer();
        using var agentPhone = new RtpPeer();
        using var injector = new RtpPeer();
        caller.SetRemote(callerPhone.RemoteFor());
        agent.SetRemote(agentPhone.RemoteFor());
        using var bridge = engine.Bridge(caller, agent);
        await callerPhone.SendAudioAsync(caller, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(0x7E));
        await MediaTestKit.WaitUntil(() => caller.IsLatched, "the latch");

        for (var i = 0; i < 3; i++)
        {
            await injector.SendAudioAsync(caller, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(0x10));
        }

        await MediaTestKit.WaitUntil(() => caller.PacketsReceived == 4, "the injected packets");
        engine.RunTick(0);
        var heard = await agentPhone.ReceiveAsync();

        // One genuine frame is below the jitter cushion, so silence: the three injected frames would have filled it.
        Assert.All(heard.Payload.ToArray(), b => Assert.Equal(G711.MuLawSilence, b));
    }

    [Fact]
    public async Task Latching_replaces_the_sdp_address_with_the_real_source()
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var sdpAddress = new RtpPeer();
        using var phone = new RtpPeer();
        leg.SetRemote(sdpAddress.RemoteFor());
        await sdpAddress.ReceiveAsync();

        await phone.SendAudioAsync(leg, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(0xFF));
        await phone.ReceiveAsync();
        Assert.Equal(phone.EndPoint, leg.RemoteEndPoint);

        // A re-INVITE with the same SDP address (hold, resume) keeps the latch.
        leg.SetRemote(sdpAddress.RemoteFor() with { Direction = MediaDirection.SendReceive });
        Assert.Equal(phone.EndPoint, leg.RemoteEndPoint);
    }

    [Fact]
    public async Task On_hold_a_receive_only_leg_stops_sending_and_starts_a_new_talkspurt_on_resume()
    {
        await using var engine = MediaTestKit.PacedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        leg.SetRemote(phone.RemoteFor());
        await phone.ReceiveAsync();

        leg.SetRemote(phone.RemoteFor() with { Direction = MediaDirection.ReceiveOnly });
        var sent = leg.PacketsSent;
        var ticks = engine.Counters.Ticks;
        await MediaTestKit.WaitUntil(() => engine.Counters.Ticks > ticks + 5, "some ticks");
        Assert.Equal(sent, leg.PacketsSent);

        phone.Drain();
        leg.Direction = MediaDirection.SendReceive;
        var first = await phone.ReceiveAsync();
        Assert.True(first.Marker, "resuming starts a talkspurt (RFC 3551 §4.1)");
    }

    [Fact]
    public async Task Bad_remote_settings_are_refused_and_change_nothing()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        var good = phone.RemoteFor();
        leg.SetRemote(good);

        Assert.Throws<ArgumentException>(() => leg.SetRemote(good with { PayloadType = 18 }));
        Assert.Throws<ArgumentException>(() => leg.SetRemote(good with { TelephoneEventPayloadType = 8 }));
        Assert.Throws<ArgumentException>(() => leg.SetRemote(good with { EndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 4000) }));
        Assert.Same(good, leg.Remote);
    }

    [Fact]
    public async Task Play_async_completes_when_replaced_and_is_cancelled_by_its_token()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var leg = engine.CreateLeg("caller");
        var replaced = leg.PlayAsync(AudioSources.Tone(425, TimeSpan.FromSeconds(30)), CancellationToken.None);
        leg.Play(null);
        await replaced.WaitAsync(MediaTestKit.Patience);

        using var cancel = new CancellationTokenSource();
        var cancelled = leg.PlayAsync(AudioSources.Silence(TimeSpan.FromSeconds(30)), cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(MediaTestKit.Patience));

        await using var other = engine.CreateLeg("agent");
        var bridged = leg.PlayAsync(AudioSources.Silence(TimeSpan.FromSeconds(30)), CancellationToken.None);
        using var bridge = engine.Bridge(leg, other);
        await bridged.WaitAsync(MediaTestKit.Patience);
    }

    [Fact]
    public async Task Play_async_completes_when_the_source_ends()
    {
        await using var engine = MediaTestKit.SteppedEngine();
        await using var leg = engine.CreateLeg("caller");
        using var phone = new RtpPeer();
        leg.SetRemote(phone.RemoteFor());
        var playing = leg.PlayAsync(AudioSources.Sequence(AudioSources.Tone(1_000, TimeSpan.FromMilliseconds(30)), AudioSources.Silence(TimeSpan.FromMilliseconds(20))), CancellationToken.None);

        // 400 samples: two full frames and a padded one; the tick after them finds the source ended.
        for (var tick = 0; tick < 3; tick++)
        {
            engine.RunTick(tick);
        }

        Assert.False(playing.IsCompleted);
        engine.RunTick(3);
        await playing.WaitAsync(MediaTestKit.Patience);
        Assert.Equal(4, leg.PacketsSent);
    }

    [Fact]
    public async Task Ports_run_out_with_a_media_exception_and_come_back_when_legs_close()
    {
        var options = MediaTestKit.Options();
        options.PortMax = options.PortMin + 3;
        await using var engine = MediaTestKit.SteppedEngine(options);
        var legs = new List<RtpLeg>();
        var exhausted = Assert.Throws<MediaException>((Action)(() =>
        {
            while (true)
            {
                legs.Add(engine.CreateLeg($"leg{legs.Count}"));
            }
        }));
        Assert.Contains("port", exhausted.Message, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(legs.Count, 1, 2);
        Assert.All(legs, l => Assert.Equal(0, l.LocalEndPoint.Port % 2));
        Assert.All(legs, l => Assert.InRange(l.LocalEndPoint.Port, options.PortMin, options.PortMax));

        var freed = legs[0].LocalEndPoint.Port;
        await legs[0].DisposeAsync();
        Assert.Equal(legs.Count - 1, engine.ActiveLegs);
        await using var again = engine.CreateLeg("again");
        Assert.Equal(freed, again.LocalEndPoint.Port);
        foreach (var leg in legs.Skip(1))
        {
            await leg.DisposeAsync();
        }
    }

    [Fact]
    public void Options_are_validated_with_every_problem_listed()
    {
        var options = new MediaOptions { BindAddress = "nowhere", PortMin = 3_001, PortMax = 3_001, PacketTime = TimeSpan.FromMilliseconds(25.5), RecordingFolder = "" };
        var errors = options.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Empty(new MediaOptions().Validate());
        Assert.Throws<ArgumentException>(() => new MediaEngine(options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<MediaEngine>.Instance));
    }

    [Fact]
    public async Task Hundreds_of_legs_each_send_exactly_one_packet_per_tick()
    {
        // Above 256 legs the send phase is split across cores; every leg must still send once, in its own sequence.
        var options = MediaTestKit.Options();
        (options.PortMin, options.PortMax) = (46_000, 47_999);
        await using var engine = MediaTestKit.SteppedEngine(options);
        using var sink = new RtpPeer();
        var legs = new List<RtpLeg>();
        for (var i = 0; i < 300; i++)
        {
            var leg = engine.CreateLeg($"leg{i}");
            leg.SetRemote(sink.RemoteFor());
            legs.Add(leg);
        }

        engine.RunTick(0);
        engine.RunTick(1);

        // A burst of 300 datagrams can overflow the sink's socket buffer, so the engine's own counts are the evidence.
        Assert.Equal(600, engine.Counters.PacketsSent);
        Assert.Equal(0, engine.Counters.SendErrors);
        Assert.All(legs, l => Assert.Equal(2, l.PacketsSent));
        var first = await sink.ReceiveAsync();
        Assert.Contains(legs, l => l.Ssrc == first.Ssrc);
    }

    /// <summary>A key press the way SIPp's dtmf_2833 pcaps send it: 10 packets, one timestamp, the end packet three times.</summary>
    internal static IEnumerable<RtpPacket> KeyPress(char digit, uint ssrc, uint timestamp, ushort firstSequence)
    {
        const int updates = 7;
        for (var i = 0; i < updates + 3; i++)
        {
            yield return new RtpPacket
            {
                Marker = i == 0,
                PayloadType = TelephoneEventType,
                SequenceNumber = (ushort)(firstSequence + i),
                Timestamp = timestamp,
                Ssrc = ssrc,
                Payload = new TelephoneEvent(TelephoneEvent.EventForDigit(digit), i >= updates, 10, (ushort)(160 * (Math.Min(i, updates - 1) + 1))).ToArray(),
            };
        }
    }
}
