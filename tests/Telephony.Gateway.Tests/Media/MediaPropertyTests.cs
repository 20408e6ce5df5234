using System.Net;
using System.Buffers.Binary;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Sip.Rtp;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Media;

/// <summary>The pure policies of the media plane, driven by FsCheck.</summary>
public sealed class MediaPropertyTests
{
    private static readonly Config Cases = Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true);
    private static readonly TimeSpan PacketTime = TimeSpan.FromMilliseconds(20);

    [Fact]
    public void The_pacing_schedule_runs_every_tick_once_in_order_and_never_bunches_more_than_the_catch_up_limit()
    {
        var wakeUps = Gen.Choose(0, 200).Select(ms => TimeSpan.FromMilliseconds(ms) + TimeSpan.FromTicks(ms * 37)).ListOf();
        Prop.ForAll(Arb.From(Gen.Zip(wakeUps, Gen.Choose(1, 5))), input =>
        {
            var (gaps, maxCatchUp) = input;
            var schedule = new TickSchedule(PacketTime, maxCatchUp);
            var elapsed = TimeSpan.Zero;
            long expectedNext = 0;
            long skipped = 0;
            foreach (var gap in gaps)
            {
                elapsed += gap;
                var plan = schedule.Plan(elapsed);
                if (plan.Run > maxCatchUp || plan.FirstTick != expectedNext + plan.Skipped || plan.Lag < TimeSpan.Zero)
                {
                    return false;
                }

                skipped += plan.Skipped;
                expectedNext = plan.FirstTick + plan.Run;
            }

            // Every due tick was either run or skipped, exactly once.
            return schedule.NextTick == elapsed.Ticks / PacketTime.Ticks && expectedNext == schedule.NextTick;
        }).Check(Cases);
    }

    [Fact]
    public void An_on_time_wake_up_runs_exactly_one_tick_with_no_lag_counted_late()
    {
        var schedule = new TickSchedule(PacketTime, 3);
        var first = schedule.Plan(PacketTime);
        var second = schedule.Plan(PacketTime * 2 + TimeSpan.FromMilliseconds(1));
        var stalled = schedule.Plan(PacketTime * 10);

        Assert.Equal(new TickPlan(0, 1, 0, 0, TimeSpan.Zero), first);
        Assert.Equal((1, 1, 0), (second.FirstTick, second.Run, second.Late));
        Assert.Equal((7, 3, 5L, 7), (stalled.FirstTick, stalled.Run, stalled.Skipped, stalled.Late));
    }

    [Fact]
    public void The_jitter_buffer_plays_out_what_came_in_order_dropping_only_the_oldest_when_full()
    {
        const int frame = 8;
        const int prefill = 2;
        const int capacity = 5;
        const byte silence = 0xFF;
        var write = Gen.Choose(1, frame * 3).Select(n => (Write: true, Length: n));
        var read = Gen.Constant((Write: false, Length: 0));
        var operations = Gen.Frequency((3, write), (2, read)).ListOf();
        Prop.ForAll(Arb.From(operations), ops =>
        {
            var buffer = new JitterBuffer(frame, prefill, capacity);
            var model = new Queue<byte>();
            var buffering = true;
            byte next = 0;
            foreach (var (isWrite, length) in ops)
            {
                if (isWrite)
                {
                    var chunk = Enumerable.Range(0, length).Select(_ => next = (byte)((next + 1) % silence)).ToArray();
                    buffer.Write(chunk);
                    foreach (var b in chunk)
                    {
                        model.Enqueue(b);
                    }

                    while (model.Count > capacity * frame)
                    {
                        model.Dequeue();
                    }

                    continue;
                }

                var expected = Enumerable.Repeat(silence, frame).ToArray();
                if (!buffering || model.Count >= prefill * frame)
                {
                    var take = Math.Min(model.Count, frame);
                    for (var i = 0; i < take; i++)
                    {
                        expected[i] = model.Dequeue();
                    }

                    buffering = take < frame;
                }

                var actual = new byte[frame];
                buffer.Read(actual, silence);
                if (!actual.SequenceEqual(expected))
                {
                    return false;
                }
            }

            return buffer.Count == model.Count;
        }).Check(Cases);
    }

    [Fact]
    public void Mixing_saturates_the_sum_of_any_voices_to_16_bits()
    {
        var voices = Gen.Choose(short.MinValue, short.MaxValue).Select(v => (short)v).ArrayOf(4).ListOf();
        Prop.ForAll(Arb.From(voices), frames =>
        {
            var accumulator = new int[4];
            foreach (var frame in frames)
            {
                AudioFormat.Accumulate(accumulator, frame);
            }

            var mixed = new short[4];
            AudioFormat.Saturate(accumulator, mixed);
            return Enumerable.Range(0, 4).All(i =>
                mixed[i] == Math.Clamp(frames.Sum(f => (long)f[i]), short.MinValue, short.MaxValue));
        }).Check(Cases);
    }

    [Fact]
    public void G711_round_trips_within_half_a_quantisation_step_for_both_laws()
    {
        Prop.ForAll(Arb.From(Gen.Choose(short.MinValue, short.MaxValue)), value =>
        {
            var sample = (short)value;
            var mu = G711.DecodeMuLaw(G711.EncodeMuLaw(sample));
            var a = G711.DecodeALaw(G711.EncodeALaw(sample));

            // The step doubles per segment: at most 1/16 of the magnitude plus the finest step; µ-law clips at 32,635.
            var bound = (Math.Abs(value) / 16) + 16;
            return Math.Abs(Math.Min(value, 32_635) - mu) <= bound && Math.Abs(value - a) <= bound
                // Decoded values are fixed points (compared as values: µ-law has a negative zero code).
                && G711.DecodeMuLaw(G711.EncodeMuLaw(mu)) == mu && G711.DecodeALaw(G711.EncodeALaw(a)) == a;
        }).Check(Cases);
    }

    [Fact]
    public void Resampling_keeps_a_constant_level_and_the_expected_length_at_any_rate()
    {
        var input = Gen.Zip(Gen.Elements(8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000), Gen.Zip(Gen.Choose(-30_000, 30_000), Gen.Choose(0, 3_000)))
            .Select(t => (Rate: t.Item1, Level: t.Item2.Item1, Length: t.Item2.Item2));
        Prop.ForAll(Arb.From(input), sample =>
        {
            var (rate, level, length) = sample;
            var output = Resampler.ToTelephoneRate(Enumerable.Repeat((short)level, length).ToArray(), rate);
            return output.Length == (int)((long)length * 8_000 / rate) && output.All(s => Math.Abs(s - level) <= 1);
        }).Check(Cases);
    }

    [Theory]
    [InlineData(48_000)]
    [InlineData(44_100)]
    [InlineData(16_000)]
    public void Resampling_passes_speech_frequencies_and_removes_what_would_alias(int rate)
    {
        double Gain(double hz)
        {
            var tone = Enumerable.Range(0, rate).Select(i => (short)(10_000 * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray();
            var output = Resampler.ToTelephoneRate(tone, rate);
            var middle = output.Skip(1_000).Take(6_000).ToArray();
            return Math.Sqrt(middle.Average(s => (double)s * s)) / (10_000 / Math.Sqrt(2));
        }

        Assert.InRange(Gain(1_000), 0.95, 1.05);
        Assert.InRange(Gain(3_000), 0.9, 1.05);
        Assert.True(Gain(5_500) < 0.03, $"5.5 kHz gain {Gain(5_500)}");
    }

    [Fact]
    public void Nobody_hears_themselves_listeners_are_heard_by_nobody_and_whispers_reach_only_their_target()
    {
        var legs = new RtpLeg?[4];
        var seats = Gen.Zip(Gen.Choose(0, 3), Gen.Zip(Gen.Elements(ConferenceRole.Speaker, ConferenceRole.Listener, ConferenceRole.Whisperer), Gen.Choose(0, 3)))
            .Select(t => (Index: t.Item1, Role: t.Item2.Item1, Target: t.Item2.Item2));
        Prop.ForAll(Arb.From(Gen.Zip(seats, seats)), pair =>
        {
            // Legs are compared by reference only, so placeholders stand in for real ones.
            var ((listenerIndex, listenerRole, listenerTarget), (speakerIndex, speakerRole, speakerTarget)) = pair;
            var listener = Seat(listenerIndex, listenerRole, listenerTarget);
            var speaker = Seat(speakerIndex, speakerRole, speakerTarget);
            var hears = Conference.Hears(listener, speaker);
            var expected = listenerIndex != speakerIndex && speakerRole switch
            {
                ConferenceRole.Speaker => true,
                ConferenceRole.Whisperer => speakerTarget == listenerIndex,
                _ => false,
            };
            return hears == expected;
        }).Check(Cases);

        ConferenceSeat Seat(int index, ConferenceRole role, int target) =>
            new(Placeholder(index), role, role == ConferenceRole.Whisperer ? Placeholder(target) : null);

        RtpLeg Placeholder(int index) => legs[index] ??= (RtpLeg)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(RtpLeg));
    }

    [Fact]
    public void Sent_digits_are_whole_events_in_order_each_with_three_end_packets_and_a_pause_between()
    {
        Prop.ForAll(Arb.From(Gen.Elements("0123456789*#ABCD".ToCharArray()).ListOf().Select(d => new string([.. d]))), digits =>
        {
            var sender = new DtmfSender(PacketTime);
            sender.Enqueue(digits);
            var payload = new byte[4];
            var events = new List<(uint Timestamp, TelephoneEvent Event, bool Marker)>();
            uint timestamp = 1_000;
            var audioTicksBetween = new List<int>();
            var audio = 0;
            for (var tick = 0; tick < (digits.Length * 12) + 5; tick++, timestamp += 160)
            {
                if (sender.TryNext(timestamp, payload, out var packet))
                {
                    TelephoneEvent.TryParse(payload, out var e);
                    if (packet.Marker)
                    {
                        audioTicksBetween.Add(audio);
                    }

                    audio = 0;
                    events.Add((packet.Timestamp, e, packet.Marker));
                }
                else
                {
                    audio++;
                }
            }

            var groups = events.GroupBy(e => e.Timestamp).ToList();
            return sender.IsIdle
                && new string([.. groups.Select(g => g.First().Event.Digit!.Value)]) == digits
                && groups.All(g => g.Count(e => e.Event.End) == DtmfSender.EndRepeats && g.Count(e => e.Marker) == 1 && g.First().Marker
                    && g.Select(e => e.Event.Duration).SequenceEqual(g.Select(e => e.Event.Duration).Order()))
                && audioTicksBetween.Skip(1).All(gap => gap >= 1);
        }).Check(Cases);
    }

    [Fact]
    public void Prompts_load_from_common_wave_formats_at_8_khz_and_refuse_others_clearly()
    {
        var second48kStereo = new byte[48_000 * 2 * 2];
        for (var i = 0; i < 48_000 * 2; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(second48kStereo.AsSpan(i * 2), 6_000);
        }

        var stereo = PromptAudio.FromWav(new WavFile(WavEncoding.Pcm, 48_000, 2, second48kStereo).ToArray(), "stereo.wav");
        Assert.Equal(TimeSpan.FromSeconds(1), stereo.Duration);
        Assert.All(stereo.Samples.ToArray(), s => Assert.InRange(s, 5_999, 6_001));

        var alaw = PromptAudio.FromWav(new WavFile(WavEncoding.ALaw, 8_000, 1, Enumerable.Repeat(G711.EncodeALaw(1_000), 800).ToArray()).ToArray());
        Assert.Equal(TimeSpan.FromMilliseconds(100), alaw.Duration);
        Assert.All(alaw.Samples.ToArray(), s => Assert.Equal(G711.DecodeALaw(G711.EncodeALaw(1_000)), s));

        var tooSlow = new WavFile(WavEncoding.Pcm, 2_000, 1, new byte[400]).ToArray();
        var error = Assert.Throws<InvalidDataException>(() => PromptAudio.FromWav(tooSlow, "slow.wav"));
        Assert.Contains("slow.wav", error.Message, StringComparison.Ordinal);
        var eightBit = new WavFile(WavEncoding.Pcm, 8_000, 1, new byte[400]).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(eightBit.AsSpan(34), 8);
        Assert.Throws<InvalidDataException>(() => PromptAudio.FromWav(eightBit, "8bit.wav"));
        Assert.Throws<InvalidDataException>(() => PromptAudio.FromWav("not a wave"u8, "text.wav"));
    }

    [Fact]
    public void Prompts_in_wave_format_extensible_are_read_by_their_sub_format()
    {
        // fmt with cbSize 22: valid bits, channel mask, and the KSDATAFORMAT_SUBTYPE_PCM GUID (starts 01 00).
        var pcm = new WavFile(WavEncoding.Pcm, 16_000, 1, Enumerable.Range(0, 1_600).SelectMany(_ => new byte[] { 0xE8, 0x03 }).ToArray()).ToArray();
        var file = new List<byte>(pcm[..12]);
        var fmt = new byte[40];
        pcm.AsSpan(20, 16).CopyTo(fmt);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(24), 1);
        file.AddRange("fmt "u8.ToArray());
        file.AddRange(BitConverter.GetBytes(fmt.Length));
        file.AddRange(fmt);
        file.AddRange(pcm[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(file)[4..], (uint)(file.Count - 8));

        var prompt = PromptAudio.FromWav(file.ToArray(), "extensible.wav");

        Assert.Equal(TimeSpan.FromMilliseconds(100), prompt.Duration);
        Assert.All(prompt.Samples.ToArray(), s => Assert.InRange(s, 999, 1_001));
    }

    [Fact]
    public void Stock_sources_produce_exactly_their_length_and_loops_repeat()
    {
        static int Total(IAudioSource source, int limit = 100_000)
        {
            var frame = new short[160];
            var total = 0;
            int read;
            while ((read = source.Read(frame)) > 0 && total < limit)
            {
                total += read;
            }

            return total;
        }

        Assert.Equal(800, Total(AudioSources.Tone(440, TimeSpan.FromMilliseconds(100))));
        Assert.Equal(1_200, Total(AudioSources.Sequence(AudioSources.Silence(TimeSpan.FromMilliseconds(50)), AudioSources.Tone(440, TimeSpan.FromMilliseconds(100)))));
        Assert.True(Total(AudioSources.Loop(PromptAudio.FromPcm([1, 2, 3])), 10_000) >= 10_000);
        Assert.Equal(0, Total(AudioSources.Loop(() => AudioSources.Silence(TimeSpan.Zero))));
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioSources.Tone(5_000, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void The_encoding_tables_agree_with_g711_for_every_sample()
    {
        var samples = Enumerable.Range(short.MinValue, ushort.MaxValue + 1).Select(v => (short)v).ToArray();
        var mu = new byte[samples.Length];
        var a = new byte[samples.Length];
        AudioFormat.Encode(AudioFormat.PcmuPayloadType, samples, mu);
        AudioFormat.Encode(AudioFormat.PcmaPayloadType, samples, a);

        Assert.Equal(samples.Select(G711.EncodeMuLaw), mu);
        Assert.Equal(samples.Select(G711.EncodeALaw), a);
    }

    [Theory]
    [InlineData(425)]
    [InlineData(1_000)]
    [InlineData(3_400)]
    public void A_tone_has_its_frequency_and_level(double hz)
    {
        var samples = new short[8_000];
        Assert.Equal(8_000, AudioSources.Tone(hz, TimeSpan.FromSeconds(1), 0.5).Read(samples));

        var crossings = Enumerable.Range(1, samples.Length - 1).Count(i => (samples[i - 1] < 0) != (samples[i] < 0));
        Assert.InRange(crossings, (2 * hz) - 2, (2 * hz) + 2);
        Assert.InRange(samples.Max(s => Math.Abs((int)s)), 0.49 * short.MaxValue, 0.51 * short.MaxValue);
    }
}
