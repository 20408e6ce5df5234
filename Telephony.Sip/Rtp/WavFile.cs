using System.Buffers.Binary;
using System.Text;

namespace CallCenter.Telephony.Sip.Rtp;

/// <summary>The sample encodings a WAVE fmt chunk may declare that we handle.</summary>
public enum WavEncoding : ushort
{
    Pcm = 1,
    ALaw = 6,
    MuLaw = 7,
}

/// <summary>
/// A RIFF/WAVE file with 16-bit linear PCM or 8-bit G.711 samples: what prompts are recorded in and what
/// agent phones (baresip's aufile/sndfile) read and write. Unknown chunks are skipped when reading.
/// Malformed files raise <see cref="InvalidDataException"/>.
/// </summary>
public sealed record WavFile(WavEncoding Encoding, int SampleRate, int Channels, ReadOnlyMemory<byte> Data)
{
    private const int RiffHeaderBytes = 12;
    private const int ChunkHeaderBytes = 8;
    private const int PcmFormatBytes = 16;
    private const int ExtendedFormatBytes = 18;
    private const int FactBytes = 4;
    private const int PcmBitsPerSample = 16;
    private const int G711BitsPerSample = 8;
    private const int MaxChannels = 8;

    public int BitsPerSample => Encoding == WavEncoding.Pcm ? PcmBitsPerSample : G711BitsPerSample;

    public int BlockAlign => Channels * BitsPerSample / 8;

    public int SampleFrames => Data.Length / BlockAlign;

    public TimeSpan Duration => TimeSpan.FromSeconds((double)SampleFrames / SampleRate);

    public static WavFile FromPcm16(ReadOnlySpan<short> samples, int sampleRate)
    {
        var data = new byte[samples.Length * sizeof(short)];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * sizeof(short)), samples[i]);
        }

        return new WavFile(WavEncoding.Pcm, sampleRate, 1, data);
    }

    /// <summary>The samples as 16-bit linear PCM, decoding G.711 when needed.</summary>
    public short[] ToPcm16()
    {
        var span = Data.Span;
        switch (Encoding)
        {
            case WavEncoding.Pcm:
                var samples = new short[span.Length / sizeof(short)];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(span[(i * sizeof(short))..]);
                }

                return samples;
            case WavEncoding.ALaw:
                var alaw = new short[span.Length];
                G711.DecodeALaw(span, alaw);
                return alaw;
            default:
                var mulaw = new short[span.Length];
                G711.DecodeMuLaw(span, mulaw);
                return mulaw;
        }
    }

    public static WavFile Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < RiffHeaderBytes || !file[..4].SequenceEqual("RIFF"u8) || !file[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("Not a RIFF/WAVE file.");
        }

        WavEncoding? encoding = null;
        var sampleRate = 0;
        var channels = 0;
        ReadOnlyMemory<byte>? data = null;
        var offset = RiffHeaderBytes;
        while (offset + ChunkHeaderBytes <= file.Length)
        {
            var id = file.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
            var bodyStart = offset + ChunkHeaderBytes;

            // Recorders that stop early leave the data size too large: take what is there.
            var available = (int)Math.Min(size, (uint)(file.Length - bodyStart));
            var body = file.Slice(bodyStart, available);
            if (id.SequenceEqual("fmt "u8))
            {
                (encoding, sampleRate, channels) = ReadFormat(body);
            }
            else if (id.SequenceEqual("data"u8))
            {
                data = body.ToArray();
            }

            // Chunks are padded to an even length (RIFF).
            offset = bodyStart + available + (available % 2);
        }

        if (encoding is null || data is null)
        {
            throw new InvalidDataException("The WAVE file lacks a fmt or data chunk.");
        }

        var wav = new WavFile(encoding.Value, sampleRate, channels, data.Value);
        return wav with { Data = data.Value[..(wav.SampleFrames * wav.BlockAlign)] };
    }

    public byte[] ToArray()
    {
        if (Channels is < 1 or > MaxChannels || SampleRate <= 0 || Data.Length % BlockAlign != 0)
        {
            throw new InvalidOperationException("Channels, sample rate or data length are out of range.");
        }

        var isPcm = Encoding == WavEncoding.Pcm;

        // Non-PCM formats carry cbSize in fmt and a fact chunk with the sample count (WAVE format rules).
        var formatBytes = isPcm ? PcmFormatBytes : ExtendedFormatBytes;
        var factChunkBytes = isPcm ? 0 : ChunkHeaderBytes + FactBytes;
        var dataPadding = Data.Length % 2;
        var total = RiffHeaderBytes + ChunkHeaderBytes + formatBytes + factChunkBytes + ChunkHeaderBytes + Data.Length + dataPadding;
        var file = new byte[total];
        var span = file.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(total - ChunkHeaderBytes));
        "WAVE"u8.CopyTo(span[8..]);
        var offset = RiffHeaderBytes;
        "fmt "u8.CopyTo(span[offset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], (uint)formatBytes);
        offset += ChunkHeaderBytes;
        BinaryPrimitives.WriteUInt16LittleEndian(span[offset..], (ushort)Encoding);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(offset + 2)..], (ushort)Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], (uint)SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 8)..], (uint)(SampleRate * BlockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(span[(offset + 12)..], (ushort)BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(span[(offset + 14)..], (ushort)BitsPerSample);
        offset += formatBytes;
        if (!isPcm)
        {
            "fact"u8.CopyTo(span[offset..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], FactBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 8)..], (uint)SampleFrames);
            offset += factChunkBytes;
        }

        "data"u8.CopyTo(span[offset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], (uint)Data.Length);
        Data.Span.CopyTo(span[(offset + ChunkHeaderBytes)..]);
        return file;
    }

    private static (WavEncoding Encoding, int SampleRate, int Channels) ReadFormat(ReadOnlySpan<byte> body)
    {
        if (body.Length < PcmFormatBytes)
        {
            throw new InvalidDataException("The fmt chunk is too short.");
        }

        var format = BinaryPrimitives.ReadUInt16LittleEndian(body);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
        var encoding = format switch
        {
            (ushort)WavEncoding.Pcm when bits == PcmBitsPerSample => WavEncoding.Pcm,
            (ushort)WavEncoding.ALaw when bits == G711BitsPerSample => WavEncoding.ALaw,
            (ushort)WavEncoding.MuLaw when bits == G711BitsPerSample => WavEncoding.MuLaw,
            _ => throw new InvalidDataException($"Unsupported WAVE format {format} with {bits} bits per sample."),
        };
        if (channels is < 1 or > MaxChannels || sampleRate is 0 or > int.MaxValue)
        {
            throw new InvalidDataException("Channels or sample rate out of range.");
        }

        return (encoding, (int)sampleRate, channels);
    }

    public override string ToString() =>
        new StringBuilder().Append(Encoding).Append(' ').Append(SampleRate).Append(" Hz, ").Append(Channels).Append(" ch, ").Append(Duration).ToString();
}
