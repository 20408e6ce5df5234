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

    internal static void Encode(int payloadType, ReadOnlySpan<short> samples, Span<byte> codes)
    {
        if (payloadType == PcmaPayloadType)
        {
            G711.EncodeALaw(samples, codes);
        }
        else
        {
            G711.EncodeMuLaw(samples, codes);
        }
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
