using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Sip.Tests.Rtp;

public sealed class G711Tests
{
    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x80, 32124)]
    [InlineData(0x00, -32124)]
    [InlineData(0xFE, 8)]
    [InlineData(0x7E, -8)]
    [InlineData(0xF0, 120)]
    [InlineData(0xEF, 132)]
    [InlineData(0x8F, 16764)]
    public void Mu_law_decodes_to_the_itu_values(byte code, short expected)
    {
        Assert.Equal(expected, G711.DecodeMuLaw(code));
    }

    [Theory]
    [InlineData(0xD5, 8)]
    [InlineData(0x55, -8)]
    [InlineData(0xAA, 32256)]
    [InlineData(0x2A, -32256)]
    [InlineData(0xC5, 264)]
    [InlineData(0xE5, 1056)]
    public void A_law_decodes_to_the_itu_values(byte code, short expected)
    {
        Assert.Equal(expected, G711.DecodeALaw(code));
    }

    [Theory]
    [InlineData(0, 0xFF)]
    [InlineData(-1, 0x7F)]
    [InlineData(32767, 0x80)]
    [InlineData(-32768, 0x00)]
    [InlineData(1000, 0xCE)]
    public void Mu_law_encodes_known_samples(short sample, byte expected)
    {
        Assert.Equal(expected, G711.EncodeMuLaw(sample));
    }

    [Theory]
    [InlineData(0, 0xD5)]
    [InlineData(-1, 0x55)]
    [InlineData(32767, 0xAA)]
    [InlineData(-32768, 0x2A)]
    [InlineData(1000, 0xFA)]
    public void A_law_encodes_known_samples(short sample, byte expected)
    {
        Assert.Equal(expected, G711.EncodeALaw(sample));
    }

    [Fact]
    public void Every_code_survives_decode_then_encode()
    {
        for (var code = 0; code <= byte.MaxValue; code++)
        {
            Assert.Equal((byte)code, G711.EncodeALaw(G711.DecodeALaw((byte)code)));

            // µ-law has two zeros (0x7F is -0); both decode to 0, which encodes as +0.
            var expected = code == 0x7F ? G711.MuLawSilence : (byte)code;
            Assert.Equal(expected, G711.EncodeMuLaw(G711.DecodeMuLaw((byte)code)));
        }
    }

    [Fact]
    public void Encoding_is_monotonic_and_error_stays_within_the_segment_step()
    {
        short previousMu = short.MinValue;
        short previousA = short.MinValue;
        for (int sample = short.MinValue; sample <= short.MaxValue; sample++)
        {
            var mu = G711.DecodeMuLaw(G711.EncodeMuLaw((short)sample));
            var a = G711.DecodeALaw(G711.EncodeALaw((short)sample));
            Assert.True(mu >= previousMu && a >= previousA);

            // The largest quantization step is 1024 (µ-law top segment) and 1024 (A-law top segment).
            Assert.InRange(Math.Abs(mu - sample), 0, 1024);
            Assert.InRange(Math.Abs(a - sample), 0, 1024);
            previousMu = mu;
            previousA = a;
        }
    }
}
