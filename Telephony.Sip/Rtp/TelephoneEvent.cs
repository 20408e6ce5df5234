using System.Buffers.Binary;

namespace CallCenter.Telephony.Sip.Rtp;

/// <summary>
/// The RFC 4733 §2.3 telephone-event payload: event code, End bit, volume (0 to -63 dBm0) and duration in
/// timestamp units. Events 0–15 are the DTMF digits 0–9, *, #, A–D (§3.2).
/// </summary>
public readonly record struct TelephoneEvent(byte Event, bool End, byte Volume, ushort Duration)
{
    public const int PayloadBytes = 4;
    public const int MaxVolume = 63;
    private const int EndBit = 0x80;
    private const int ReservedBit = 0x40;
    private const int VolumeMask = 0x3F;
    private const string DtmfDigits = "0123456789*#ABCD";

    public bool IsDtmf => Event < DtmfDigits.Length;

    /// <summary>The DTMF digit, or null for other events (flash, tones).</summary>
    public char? Digit => IsDtmf ? DtmfDigits[Event] : null;

    public static byte EventForDigit(char digit)
    {
        var index = DtmfDigits.IndexOf(char.ToUpperInvariant(digit));
        return index >= 0 ? (byte)index : throw new ArgumentOutOfRangeException(nameof(digit), digit, "Not a DTMF digit.");
    }

    /// <summary>Reads the first event of a payload; redundant blocks (RFC 2198) are not used by this profile.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out TelephoneEvent telephoneEvent)
    {
        telephoneEvent = default;
        if (payload.Length < PayloadBytes)
        {
            return false;
        }

        // The R bit is reserved: senders set it to 0 and receivers ignore it (§2.3.3).
        telephoneEvent = new TelephoneEvent(
            payload[0],
            (payload[1] & EndBit) != 0,
            (byte)(payload[1] & VolumeMask),
            BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        return true;
    }

    public byte[] ToArray()
    {
        if (Volume > MaxVolume)
        {
            throw new InvalidOperationException("The volume is 0 to 63 (-dBm0).");
        }

        var payload = new byte[PayloadBytes];
        payload[0] = Event;
        payload[1] = (byte)((End ? EndBit : 0) | (Volume & VolumeMask) & ~ReservedBit);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), Duration);
        return payload;
    }
}

/// <summary>One detected DTMF key press.</summary>
public readonly record struct DtmfDigit(char Digit, uint Ssrc, uint Timestamp);

/// <summary>
/// Turns RFC 4733 packets into key presses. All packets of one event share its RTP timestamp (§2.5.1.1) and
/// the end packet is sent three times (§2.5.1.4), so exactly one digit is reported per (SSRC, timestamp),
/// as soon as its first packet arrives — even when the end packets are lost.
/// </summary>
public sealed class DtmfDetector(int telephoneEventPayloadType)
{
    /// <summary>How many recent events per source are remembered to drop late duplicates after reordering.</summary>
    private const int RememberedEventsPerSource = 16;

    /// <summary>Bounds memory when many sources (or a spoofer) send events.</summary>
    private const int MaxSources = 64;

    private readonly Dictionary<uint, Queue<uint>> _recent = [];

    /// <summary>Feeds one packet; returns the digit when it starts a new event.</summary>
    public DtmfDigit? Receive(RtpPacket packet)
    {
        if (packet.PayloadType != telephoneEventPayloadType
            || !TelephoneEvent.TryParse(packet.Payload.Span, out var telephoneEvent)
            || telephoneEvent.Digit is not { } digit)
        {
            return null;
        }

        if (!_recent.TryGetValue(packet.Ssrc, out var seen))
        {
            if (_recent.Count >= MaxSources)
            {
                _recent.Clear();
            }

            seen = new Queue<uint>(RememberedEventsPerSource);
            _recent[packet.Ssrc] = seen;
        }

        if (seen.Contains(packet.Timestamp))
        {
            return null;
        }

        if (seen.Count == RememberedEventsPerSource)
        {
            seen.Dequeue();
        }

        seen.Enqueue(packet.Timestamp);
        return new DtmfDigit(digit, packet.Ssrc, packet.Timestamp);
    }
}
