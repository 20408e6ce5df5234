using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Sip.Tests.Rtp;

public sealed class WavAndPacketizerTests
{
    private static short[] Tone(int samples) =>
        Enumerable.Range(0, samples).Select(i => (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 8000.0))).ToArray();

    [Fact]
    public void Pcm16_wav_round_trips()
    {
        var tone = Tone(800);
        var wav = WavFile.FromPcm16(tone, 8000);

        var bytes = wav.ToArray();
        var read = WavFile.Read(bytes);

        Assert.Equal(44, bytes.Length - (tone.Length * 2));
        Assert.Equal(WavEncoding.Pcm, read.Encoding);
        Assert.Equal(8000, read.SampleRate);
        Assert.Equal(1, read.Channels);
        Assert.Equal(tone, read.ToPcm16());
        Assert.Equal(TimeSpan.FromMilliseconds(100), read.Duration);
    }

    [Theory]
    [InlineData(WavEncoding.ALaw)]
    [InlineData(WavEncoding.MuLaw)]
    public void G711_wav_round_trips_with_fact_chunk(WavEncoding encoding)
    {
        var codes = new byte[161];
        if (encoding == WavEncoding.ALaw)
        {
            G711.EncodeALaw(Tone(codes.Length), codes);
        }
        else
        {
            G711.EncodeMuLaw(Tone(codes.Length), codes);
        }

        var bytes = new WavFile(encoding, 8000, 1, codes).ToArray();
        var read = WavFile.Read(bytes);

        Assert.Equal(0, bytes.Length % 2);
        Assert.Equal(codes, read.Data.ToArray());
        Assert.Equal(encoding, read.Encoding);
        Assert.Equal(codes.Length, read.ToPcm16().Length);
    }

    [Fact]
    public void Reader_skips_unknown_chunks_and_tolerates_a_short_data_chunk()
    {
        var wav = WavFile.FromPcm16(Tone(10), 8000).ToArray().ToList();
        byte[] list = [(byte)'L', (byte)'I', (byte)'S', (byte)'T', 3, 0, 0, 0, 1, 2, 3, 0];
        wav.InsertRange(36, list);
        var truncated = wav.Take(wav.Count - 5).ToArray();

        var read = WavFile.Read(truncated);

        Assert.Equal(7, read.SampleFrames);
    }

    [Theory]
    [InlineData("")]
    [InlineData("RIFF\0\0\0\0WAVX")]
    [InlineData("RIFF\0\0\0\0WAVEdata\0\0\0\0")]
    public void Reader_rejects_what_is_not_a_usable_wave_file(string text)
    {
        Assert.Throws<InvalidDataException>(() => WavFile.Read(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Packetizer_makes_20ms_packets_with_sequence_and_timestamp_steps_and_wraps()
    {
        var packetizer = new RtpPacketizer(payloadType: 0, ssrc: 42, initialSequence: ushort.MaxValue, initialTimestamp: uint.MaxValue - 100);

        var packets = packetizer.Push(new byte[400]).ToList();
        var last = packetizer.Flush(G711.MuLawSilence);

        Assert.Equal(2, packets.Count);
        Assert.Equal(160, packetizer.SamplesPerPacket);
        Assert.Equal([ushort.MaxValue, (ushort)0], packets.Select(p => p.SequenceNumber));
        Assert.Equal([uint.MaxValue - 100, 59u], packets.Select(p => p.Timestamp));
        Assert.True(packets[0].Marker);
        Assert.False(packets[1].Marker);
        Assert.Equal((ushort)1, last!.SequenceNumber);
        Assert.Equal(160, last.Payload.Length);
        Assert.Equal(G711.MuLawSilence, last.Payload.Span[^1]);
        Assert.Null(packetizer.Flush(G711.MuLawSilence));
    }

    [Fact]
    public void Silence_gap_advances_timestamp_and_marks_the_next_talkspurt()
    {
        var packetizer = new RtpPacketizer(8, 1, 0, 0);
        packetizer.Push(new byte[160]);

        packetizer.SkipSamples(800);
        var next = Assert.Single(packetizer.Push(new byte[160]));

        Assert.True(next.Marker);
        Assert.Equal(960u, next.Timestamp);
        Assert.Equal((ushort)1, next.SequenceNumber);
    }
}
