using System.Buffers.Binary;

namespace CallCenter.Telephony.Sip.Rtp;

/// <summary>
/// An RTP packet (RFC 3550 §5.1): fixed 12-byte header, CSRC list, optional header extension (§5.3.1),
/// payload and optional padding. Parsing never throws: <see cref="TryParse"/> says whether the bytes are RTP.
/// </summary>
public sealed record RtpPacket
{
    public const int Version2 = 2;
    public const int FixedHeaderBytes = 12;
    public const int MaxCsrcCount = 15;
    public const int MaxPayloadType = 127;
    private const int CsrcBytes = 4;
    private const int VersionShift = 6;
    private const int PaddingBit = 0x20;
    private const int ExtensionBit = 0x10;
    private const int CsrcCountMask = 0x0F;
    private const int MarkerBit = 0x80;
    private const int PayloadTypeMask = 0x7F;
    private const int ExtensionHeaderBytes = 4;
    private const int ExtensionWordBytes = 4;

    public bool Marker { get; init; }

    public int PayloadType { get; init; }

    public ushort SequenceNumber { get; init; }

    public uint Timestamp { get; init; }

    public uint Ssrc { get; init; }

    public IReadOnlyList<uint> Csrcs { get; init; } = [];

    /// <summary>The profile-defined 16 bits of the header extension (§5.3.1), when there is one.</summary>
    public ushort? ExtensionProfile { get; init; }

    /// <summary>Extension data; its length must be a multiple of 4 bytes.</summary>
    public ReadOnlyMemory<byte> ExtensionData { get; init; } = ReadOnlyMemory<byte>.Empty;

    public ReadOnlyMemory<byte> Payload { get; init; } = ReadOnlyMemory<byte>.Empty;

    /// <summary>Padding octets after the payload, the last of which holds the count (§5.1 P bit).</summary>
    public int PaddingLength { get; init; }

    public int Length => FixedHeaderBytes + (Csrcs.Count * CsrcBytes)
        + (ExtensionProfile is null ? 0 : ExtensionHeaderBytes + ExtensionData.Length) + Payload.Length + PaddingLength;

    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket? packet)
    {
        packet = null;
        if (data.Length < FixedHeaderBytes || data[0] >> VersionShift != Version2)
        {
            return false;
        }

        var hasPadding = (data[0] & PaddingBit) != 0;
        var hasExtension = (data[0] & ExtensionBit) != 0;
        var csrcCount = data[0] & CsrcCountMask;
        var offset = FixedHeaderBytes + (csrcCount * CsrcBytes);
        if (data.Length < offset)
        {
            return false;
        }

        var csrcs = new uint[csrcCount];
        for (var i = 0; i < csrcCount; i++)
        {
            csrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(data[(FixedHeaderBytes + (i * CsrcBytes))..]);
        }

        ushort? profile = null;
        var extension = ReadOnlyMemory<byte>.Empty;
        if (hasExtension)
        {
            if (data.Length < offset + ExtensionHeaderBytes)
            {
                return false;
            }

            profile = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var extensionLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]) * ExtensionWordBytes;
            offset += ExtensionHeaderBytes;
            if (data.Length < offset + extensionLength)
            {
                return false;
            }

            extension = data.Slice(offset, extensionLength).ToArray();
            offset += extensionLength;
        }

        var end = data.Length;
        var padding = 0;
        if (hasPadding)
        {
            padding = data[^1];

            // §5.1: the count includes itself, so it is at least 1 and cannot reach into the header.
            if (padding == 0 || end - padding < offset)
            {
                return false;
            }

            end -= padding;
        }

        packet = new RtpPacket
        {
            Marker = (data[1] & MarkerBit) != 0,
            PayloadType = data[1] & PayloadTypeMask,
            SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            Csrcs = csrcs,
            ExtensionProfile = profile,
            ExtensionData = extension,
            Payload = data[offset..end].ToArray(),
            PaddingLength = padding,
        };
        return true;
    }

    public byte[] ToArray()
    {
        var buffer = new byte[Length];
        WriteTo(buffer);
        return buffer;
    }

    /// <summary>Writes the packet; returns the number of bytes written.</summary>
    public int WriteTo(Span<byte> destination)
    {
        Validate();
        var length = Length;
        if (destination.Length < length)
        {
            throw new ArgumentException("The destination is too small.", nameof(destination));
        }

        destination[0] = (byte)((Version2 << VersionShift) | (PaddingLength > 0 ? PaddingBit : 0) | (ExtensionProfile is null ? 0 : ExtensionBit) | Csrcs.Count);
        destination[1] = (byte)((Marker ? MarkerBit : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Ssrc);
        var offset = FixedHeaderBytes;
        foreach (var csrc in Csrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], csrc);
            offset += CsrcBytes;
        }

        if (ExtensionProfile is { } profile)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], profile);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], (ushort)(ExtensionData.Length / ExtensionWordBytes));
            offset += ExtensionHeaderBytes;
            ExtensionData.Span.CopyTo(destination[offset..]);
            offset += ExtensionData.Length;
        }

        Payload.Span.CopyTo(destination[offset..]);
        offset += Payload.Length;
        if (PaddingLength > 0)
        {
            destination.Slice(offset, PaddingLength).Clear();
            destination[offset + PaddingLength - 1] = (byte)PaddingLength;
        }

        return length;
    }

    private void Validate()
    {
        const int maxPadding = byte.MaxValue;
        const int maxExtensionBytes = ushort.MaxValue * ExtensionWordBytes;
        if (PayloadType is < 0 or > MaxPayloadType || Csrcs.Count > MaxCsrcCount || PaddingLength is < 0 or > maxPadding
            || ExtensionData.Length % ExtensionWordBytes != 0 || ExtensionData.Length > maxExtensionBytes
            || (ExtensionProfile is null && !ExtensionData.IsEmpty))
        {
            throw new InvalidOperationException("The RTP packet fields are out of range (RFC 3550 §5.1).");
        }
    }
}
