namespace CallCenter.Telephony.Sip.Rtp;

/// <summary>
/// ITU-T G.711 companding of 16-bit linear PCM: µ-law (PCMU, RTP payload type 0) and A-law (PCMA, type 8).
/// Both map 8-bit codes to 8 segments of 16 steps each; A-law inverts even bits (0x55) on the wire.
/// </summary>
public static class G711
{
    /// <summary>The µ-law code of silence (+0).</summary>
    public const byte MuLawSilence = 0xFF;

    /// <summary>The A-law code of the smallest positive level; A-law has no exact zero.</summary>
    public const byte ALawSilence = 0xD5;

    private const int MuLawBias = 0x84;
    private const int MuLawClip = 32_635;
    private const int SignBit = 0x80;
    private const int SegmentShift = 4;
    private const int QuantizationMask = 0x0F;
    private const int SegmentMask = 0x70;
    private const byte ALawEvenBitInversion = 0x55;
    private const int SegmentCount = 8;

    /// <summary>Bit 14: the highest magnitude bit after biasing, i.e. µ-law segment 7.</summary>
    private const int MuLawTopSegmentBit = 0x4000;

    /// <summary>The mantissa sits above 3 (µ-law) low bits that G.711 discards.</summary>
    private const int MuLawMantissaShift = 3;

    /// <summary>A-law works on 13-bit samples: 16-bit input is shifted right by 3.</summary>
    private const int ALawInputShift = 3;

    /// <summary>Bottom of A-law segment 1 (in 13-bit units); below it segment 0 is linear.</summary>
    private const int ALawSegmentOneStart = 32;

    /// <summary>A-law decoding offsets: half a step in segment 0, and 0x108 (half a step plus the segment base) above.</summary>
    private const int ALawHalfStep = 8;
    private const int ALawSegmentBase = 0x108;
    private const int ALawMantissaShift = 4;

    private static readonly short[] MuLawTable = BuildTable(DecodeMuLawCore);
    private static readonly short[] ALawTable = BuildTable(DecodeALawCore);

    public static short DecodeMuLaw(byte code) => MuLawTable[code];

    public static short DecodeALaw(byte code) => ALawTable[code];

    /// <summary>Encodes a linear sample to µ-law: add the bias, find the segment, keep 4 mantissa bits, invert.</summary>
    public static byte EncodeMuLaw(short sample)
    {
        var sign = sample < 0 ? SignBit : 0;
        var magnitude = Math.Min(Math.Abs((int)sample), MuLawClip) + MuLawBias;
        var segment = SegmentCount - 1;
        for (var mask = MuLawTopSegmentBit; (magnitude & mask) == 0 && segment > 0; mask >>= 1)
        {
            segment--;
        }

        var mantissa = (magnitude >> (segment + MuLawMantissaShift)) & QuantizationMask;
        return (byte)~(sign | (segment << SegmentShift) | mantissa);
    }

    /// <summary>Encodes a linear sample to A-law on the 13-bit scale G.711 defines, then inverts even bits.</summary>
    public static byte EncodeALaw(short sample)
    {
        var sign = sample >= 0 ? SignBit : 0;
        var magnitude = sample >= 0 ? sample >> ALawInputShift : (~sample) >> ALawInputShift;
        int code;
        if (magnitude < ALawSegmentOneStart)
        {
            code = magnitude >> 1;
        }
        else
        {
            var segment = 1;
            for (var limit = ALawSegmentOneStart * 2; magnitude >= limit && segment < SegmentCount - 1; limit <<= 1)
            {
                segment++;
            }

            code = (segment << SegmentShift) | ((magnitude >> segment) & QuantizationMask);
        }

        return (byte)((sign | code) ^ ALawEvenBitInversion);
    }

    public static void EncodeMuLaw(ReadOnlySpan<short> samples, Span<byte> codes)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            codes[i] = EncodeMuLaw(samples[i]);
        }
    }

    public static void EncodeALaw(ReadOnlySpan<short> samples, Span<byte> codes)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            codes[i] = EncodeALaw(samples[i]);
        }
    }

    public static void DecodeMuLaw(ReadOnlySpan<byte> codes, Span<short> samples)
    {
        for (var i = 0; i < codes.Length; i++)
        {
            samples[i] = MuLawTable[codes[i]];
        }
    }

    public static void DecodeALaw(ReadOnlySpan<byte> codes, Span<short> samples)
    {
        for (var i = 0; i < codes.Length; i++)
        {
            samples[i] = ALawTable[codes[i]];
        }
    }

    private static short DecodeMuLawCore(byte code)
    {
        var inverted = ~code & byte.MaxValue;
        var segment = (inverted & SegmentMask) >> SegmentShift;
        var magnitude = ((((inverted & QuantizationMask) << MuLawMantissaShift) + MuLawBias) << segment) - MuLawBias;
        return (short)((inverted & SignBit) != 0 ? -magnitude : magnitude);
    }

    private static short DecodeALawCore(byte code)
    {
        var value = code ^ ALawEvenBitInversion;
        var segment = (value & SegmentMask) >> SegmentShift;
        var magnitude = (value & QuantizationMask) << ALawMantissaShift;
        magnitude = segment switch
        {
            0 => magnitude + ALawHalfStep,
            1 => magnitude + ALawSegmentBase,
            _ => (magnitude + ALawSegmentBase) << (segment - 1),
        };
        return (short)((value & SignBit) != 0 ? magnitude : -magnitude);
    }

    private static short[] BuildTable(Func<byte, short> decode)
    {
        var table = new short[byte.MaxValue + 1];
        for (var code = 0; code <= byte.MaxValue; code++)
        {
            table[code] = decode((byte)code);
        }

        return table;
    }
}
