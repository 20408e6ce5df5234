namespace CallCenter.Telephony.Sip.Rtp;

/// <summary>
/// Cuts an 8 kHz G.711 byte stream into RTP packets of one packet time (20 ms = 160 samples by default):
/// sequence numbers +1 (wrapping at 16 bits), timestamps + samples per packet (RFC 3550 §5.1), marker on the
/// first packet of a talkspurt (RFC 3551 §4.1).
/// </summary>
public sealed class RtpPacketizer
{
    public const int SampleRate = 8_000;
    public const int DefaultPacketTimeMilliseconds = 20;
    private const int MillisecondsPerSecond = 1_000;

    private readonly List<byte> _pending = [];
    private ushort _sequence;
    private uint _timestamp;
    private bool _startOfTalkspurt = true;

    public RtpPacketizer(int payloadType, uint ssrc, ushort initialSequence, uint initialTimestamp, int packetTimeMilliseconds = DefaultPacketTimeMilliseconds)
    {
        if (payloadType is < 0 or > RtpPacket.MaxPayloadType || packetTimeMilliseconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadType), "Payload type 0-127 and a positive packet time are required.");
        }

        PayloadType = payloadType;
        Ssrc = ssrc;
        _sequence = initialSequence;
        _timestamp = initialTimestamp;
        SamplesPerPacket = SampleRate * packetTimeMilliseconds / MillisecondsPerSecond;
    }

    public int PayloadType { get; }

    public uint Ssrc { get; }

    /// <summary>160 for 20 ms of 8 kHz audio; one G.711 byte per sample.</summary>
    public int SamplesPerPacket { get; }

    /// <summary>Adds encoded audio and returns every complete packet it makes.</summary>
    public IReadOnlyList<RtpPacket> Push(ReadOnlySpan<byte> encoded)
    {
        foreach (var b in encoded)
        {
            _pending.Add(b);
        }

        var packets = new List<RtpPacket>(_pending.Count / SamplesPerPacket);
        while (_pending.Count >= SamplesPerPacket)
        {
            packets.Add(Next(_pending.GetRange(0, SamplesPerPacket).ToArray()));
            _pending.RemoveRange(0, SamplesPerPacket);
        }

        return packets;
    }

    /// <summary>Pads what is left with <paramref name="silence"/> to a full packet; null when nothing is left.</summary>
    public RtpPacket? Flush(byte silence)
    {
        if (_pending.Count == 0)
        {
            return null;
        }

        var payload = new byte[SamplesPerPacket];
        Array.Fill(payload, silence);
        _pending.CopyTo(payload);
        _pending.Clear();
        return Next(payload);
    }

    /// <summary>Skips the time of a silent gap (no packets sent) and marks the next packet as a new talkspurt.</summary>
    public void SkipSamples(uint samples)
    {
        _timestamp += samples;
        _startOfTalkspurt = true;
    }

    private RtpPacket Next(byte[] payload)
    {
        var packet = new RtpPacket
        {
            Marker = _startOfTalkspurt,
            PayloadType = PayloadType,
            SequenceNumber = _sequence,
            Timestamp = _timestamp,
            Ssrc = Ssrc,
            Payload = payload,
        };
        _startOfTalkspurt = false;
        _sequence++;
        _timestamp += (uint)SamplesPerPacket;
        return packet;
    }
}
