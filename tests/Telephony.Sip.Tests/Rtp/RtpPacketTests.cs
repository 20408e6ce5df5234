using CallCenter.Telephony.Sip.Rtp;
using CallCenter.Telephony.Sip.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Sip.Tests.Rtp;

public sealed class RtpPacketTests
{
    private static Gen<RtpPacket> Packets =>
        from marker in Gen.Elements(true, false)
        from payloadType in Gen.Choose(0, 127)
        from sequence in Gen.Choose(0, ushort.MaxValue)
        from timestamp in Gen.Choose(int.MinValue, int.MaxValue)
        from ssrc in Gen.Choose(int.MinValue, int.MaxValue)
        from csrcs in Gen.Choose(0, 15).SelectMany(n => Gen.ArrayOf(Gen.Choose(int.MinValue, int.MaxValue).Select(c => (uint)c), n))
        from hasExtension in Gen.Elements(true, false)
        from extensionWords in Gen.Choose(0, 4)
        from payload in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
        from padding in Gen.Elements(0, 0, 1, 3, 4)
        select new RtpPacket
        {
            Marker = marker,
            PayloadType = payloadType,
            SequenceNumber = (ushort)sequence,
            Timestamp = (uint)timestamp,
            Ssrc = (uint)ssrc,
            Csrcs = csrcs,
            ExtensionProfile = hasExtension ? (ushort)0xBEDE : null,
            ExtensionData = hasExtension ? new byte[extensionWords * 4] : ReadOnlyMemory<byte>.Empty,
            Payload = payload,
            PaddingLength = padding,
        };

    [Fact]
    public void Parses_a_pcma_packet_as_sipp_sends_it()
    {
        byte[] bytes = [0x80, 0x88, 0x12, 0x34, 0x00, 0x00, 0x0A, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 0xD5, 0xD5, 0xD5];

        Assert.True(RtpPacket.TryParse(bytes, out var packet));

        Assert.True(packet!.Marker);
        Assert.Equal(8, packet.PayloadType);
        Assert.Equal(0x1234, packet.SequenceNumber);
        Assert.Equal(2560u, packet.Timestamp);
        Assert.Equal(0xDEADBEEFu, packet.Ssrc);
        Assert.Equal([0xD5, 0xD5, 0xD5], packet.Payload.ToArray());
        Assert.Equal(bytes, packet.ToArray());
    }

    [Fact]
    public void Csrc_extension_and_padding_are_read()
    {
        var packet = new RtpPacket
        {
            PayloadType = 0,
            Csrcs = [1, 2],
            ExtensionProfile = 0x1000,
            ExtensionData = new byte[] { 1, 2, 3, 4 },
            Payload = new byte[] { 9 },
            PaddingLength = 3,
        };
        var bytes = packet.ToArray();

        Assert.Equal(0x80 | 0x20 | 0x10 | 2, bytes[0]);
        Assert.Equal(3, bytes[^1]);
        Assert.True(RtpPacket.TryParse(bytes, out var parsed));
        Assert.Equal([1u, 2u], parsed!.Csrcs);
        Assert.Equal((ushort)0x1000, parsed.ExtensionProfile);
        Assert.Equal([1, 2, 3, 4], parsed.ExtensionData.ToArray());
        Assert.Equal([9], parsed.Payload.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x40, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x81, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x90, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 0xA0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 })]
    [InlineData(new byte[] { 0xA0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Truncated_or_inconsistent_packets_are_refused(byte[] bytes)
    {
        Assert.False(RtpPacket.TryParse(bytes, out _));
    }

    [Fact]
    public void Parse_of_written_packet_equals_the_packet()
    {
        FuzzSettings.Check(Packets, packet =>
            RtpPacket.TryParse(packet.ToArray(), out var parsed) && parsed!.ToArray().AsSpan().SequenceEqual(packet.ToArray()));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        FuzzSettings.Check(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)), bytes =>
        {
            if (RtpPacket.TryParse(bytes, out var packet))
            {
                return packet!.Length == bytes.Length;
            }

            return true;
        });
    }
}
