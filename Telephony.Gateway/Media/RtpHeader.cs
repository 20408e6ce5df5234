using System.Buffers.Binary;
using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// The RTP fixed header read in place (RFC 3550 §5.1) for the hot path: no allocation per packet, unlike
/// <see cref="RtpPacket"/>, which the engine still uses for the rare telephone-event packets.
/// </summary>
internal readonly record struct RtpHeader(bool Marker, int PayloadType, ushort SequenceNumber, uint Timestamp, uint Ssrc, int PayloadOffset, int PayloadLength)
{
    public const int FixedBytes = RtpPacket.FixedHeaderBytes;

    public static bool TryRead(ReadOnlySpan<byte> data, out RtpHeader header)
    {
        header = default;
        if (data.Length < FixedBytes || data[0] >> 6 != RtpPacket.Version2)
        {
            return false;
        }

        var offset = FixedBytes + ((data[0] & 0x0F) * sizeof(uint));
        if ((data[0] & 0x10) != 0)
        {
            // §5.3.1: a 4-byte extension header whose second half counts 32-bit words.
            if (data.Length < offset + 4)
            {
                return false;
            }

            offset += 4 + (BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]) * sizeof(uint));
        }

        var end = data.Length;
        if ((data[0] & 0x20) != 0)
        {
            // §5.1 P bit: the last octet counts the padding, itself included.
            var padding = data[^1];
            if (padding == 0)
            {
                return false;
            }

            end -= padding;
        }

        if (end < offset)
        {
            return false;
        }

        header = new RtpHeader(
            (data[1] & 0x80) != 0,
            data[1] & 0x7F,
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            offset,
            end - offset);
        return true;
    }

    public static void Write(Span<byte> destination, bool marker, int payloadType, ushort sequenceNumber, uint timestamp, uint ssrc)
    {
        destination[0] = RtpPacket.Version2 << 6;
        destination[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ssrc);
    }

    /// <summary>Whether <paramref name="sequence"/> comes after <paramref name="previous"/> in 16-bit serial arithmetic.</summary>
    public static bool IsNewer(ushort sequence, ushort previous) => (short)(sequence - previous) > 0;
}
