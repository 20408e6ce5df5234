using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Sip.Tests.Rtp;

public sealed class DtmfTests
{
    private const int TelephoneEventType = 101;

    /// <summary>An event the way SIPp's dtmf_2833 pcaps send it: 10 packets, one timestamp, the end packet three times.</summary>
    private static IEnumerable<RtpPacket> KeyPress(char digit, uint ssrc, uint timestamp, ushort firstSequence)
    {
        const int updates = 7;
        const ushort step = 160;
        for (var i = 0; i < updates + 3; i++)
        {
            var end = i >= updates;
            var duration = (ushort)(step * (Math.Min(i, updates - 1) + 1));
            yield return new RtpPacket
            {
                Marker = i == 0,
                PayloadType = TelephoneEventType,
                SequenceNumber = (ushort)(firstSequence + i),
                Timestamp = timestamp,
                Ssrc = ssrc,
                Payload = new TelephoneEvent(TelephoneEvent.EventForDigit(digit), end, 10, duration).ToArray(),
            };
        }
    }

    [Fact]
    public void Payload_round_trips_and_maps_digits()
    {
        var telephoneEvent = new TelephoneEvent(11, End: true, Volume: 10, Duration: 1600);
        var bytes = telephoneEvent.ToArray();

        Assert.Equal([11, 0x8A, 0x06, 0x40], bytes);
        Assert.True(TelephoneEvent.TryParse(bytes, out var parsed));
        Assert.Equal(telephoneEvent, parsed);
        Assert.Equal('#', parsed.Digit);
        Assert.Equal('*', new TelephoneEvent(10, false, 0, 0).Digit);
        Assert.Equal('D', new TelephoneEvent(15, false, 0, 0).Digit);
        Assert.Null(new TelephoneEvent(16, false, 0, 0).Digit);
        Assert.False(TelephoneEvent.TryParse([1, 2, 3], out _));
    }

    [Fact]
    public void One_digit_per_event_although_the_end_packet_comes_three_times()
    {
        var detector = new DtmfDetector(TelephoneEventType);

        var digits = KeyPress('5', 0x1111, 8000, 100).Select(detector.Receive).OfType<DtmfDigit>().ToList();

        Assert.Equal([new DtmfDigit('5', 0x1111, 8000)], digits);
    }

    [Fact]
    public void Repeated_digit_with_new_timestamp_counts_again_and_sources_are_separate()
    {
        var detector = new DtmfDetector(TelephoneEventType);
        var packets = KeyPress('1', 1, 1000, 1)
            .Concat(KeyPress('1', 1, 3000, 11))
            .Concat(KeyPress('#', 2, 1000, 500))
            .Concat(KeyPress('1', 1, 1000, 21));

        var digits = packets.Select(detector.Receive).OfType<DtmfDigit>().Select(d => d.Digit).ToList();

        Assert.Equal(['1', '1', '#'], digits);
    }

    [Fact]
    public void Audio_packets_and_other_events_are_ignored()
    {
        var detector = new DtmfDetector(TelephoneEventType);

        Assert.Null(detector.Receive(new RtpPacket { PayloadType = 8, Payload = new byte[160] }));
        Assert.Null(detector.Receive(new RtpPacket { PayloadType = TelephoneEventType, Payload = new TelephoneEvent(16, false, 0, 0).ToArray() }));
        Assert.Null(detector.Receive(new RtpPacket { PayloadType = TelephoneEventType, Payload = new byte[2] }));
    }
}
