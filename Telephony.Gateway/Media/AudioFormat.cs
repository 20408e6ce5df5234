using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>The one internal audio format: 8 kHz 16-bit linear PCM, and the two G.711 codecs on the wire.</summary>
public static class AudioFormat
{
    public const int SampleRate = 8_000;
    public const int PcmuPayloadType = 0;
    public const int PcmaPayloadType = 8;

    public static bool IsG711(int payloadType) => payloadType is PcmuPayloadType or PcmaPayloadType;

    internal static byte SilenceCode(int payloadType) => payloadType == PcmaPayloadType ? G711.ALawSilence : G711.MuLawSilence;

    /// <summary>
    /// Every 16-bit sample's code, 64 KiB per law: one lookup per sample instead of a segment search, which matters
    /// when 2,000 legs encode 160 samples 50 times a second.
    /// </summary>
    private static readonly byte[] MuLawCodes = BuildEncodeTable(G711.EncodeMuLaw);

    private static readonly byte[] ALawCodes = BuildEncodeTable(G711.EncodeALaw);

    internal static void Encode(int payloadType, ReadOnlySpan<short> samples, Span<byte> codes)
    {
        var table = payloadType == PcmaPayloadType ? ALawCodes : MuLawCodes;
        for (var i = 0; i < samples.Length; i++)
        {
            codes[i] = table[(ushort)samples[i]];
        }
    }

    private static byte[] BuildEncodeTable(Func<short, byte> encode)
    {
        var table = new byte[ushort.MaxValue + 1];
        for (var sample = short.MinValue; sample < short.MaxValue; sample++)
        {
            table[(ushort)sample] = encode(sample);
        }

        table[(ushort)short.MaxValue] = encode(short.MaxValue);
        return table;
    }

    internal static void Decode(int payloadType, ReadOnlySpan<byte> codes, Span<short> samples)
    {
        if (payloadType == PcmaPayloadType)
        {
            G711.DecodeALaw(codes, samples);
        }
        else
        {
            G711.DecodeMuLaw(codes, samples);
        }
    }

    /// <summary>Adds a frame into a 32-bit accumulator so a sum of many voices cannot wrap.</summary>
    public static void Accumulate(Span<int> accumulator, ReadOnlySpan<short> samples)
    {
        for (var i = 0; i < accumulator.Length && i < samples.Length; i++)
        {
            accumulator[i] += samples[i];
        }
    }

    /// <summary>Clips a sum to 16 bits: saturation sounds like loud speech, wrap-around sounds like a click.</summary>
    public static short Saturate(int value) => (short)Math.Clamp(value, short.MinValue, short.MaxValue);

    public static void Saturate(ReadOnlySpan<int> accumulator, Span<short> samples)
    {
        for (var i = 0; i < samples.Length && i < accumulator.Length; i++)
        {
            samples[i] = Saturate(accumulator[i]);
        }
    }
}
