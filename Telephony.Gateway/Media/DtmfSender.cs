using System.Buffers.Binary;
using System.Collections.Concurrent;
using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>One telephone-event packet to send in place of audio this tick.</summary>
internal readonly record struct DtmfPacket(bool Marker, uint Timestamp);

/// <summary>
/// Plays queued digits as RFC 4733 events on the pacing tick: every packet of an event carries the event's start
/// timestamp (§2.5.1.1) and a growing duration, the end packet is sent three times (§2.5.1.4), and a short pause
/// of audio separates digits so receivers see distinct key presses.
/// </summary>
internal sealed class DtmfSender
{
    public static readonly TimeSpan ToneLength = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan PauseLength = TimeSpan.FromMilliseconds(60);
    public const int EndRepeats = 3;

    /// <summary>-10 dBm0, a usual DTMF level.</summary>
    public const byte Volume = 10;

    private readonly ConcurrentQueue<char> _pending = new();
    private readonly int _frameSamples;
    private readonly int _toneFrames;
    private readonly int _pauseFrames;
    private char? _current;
    private uint _eventTimestamp;
    private int _framesSent;
    private int _pauseLeft;

    public DtmfSender(TimeSpan packetTime)
    {
        _frameSamples = (int)(packetTime.Ticks * AudioFormat.SampleRate / TimeSpan.TicksPerSecond);
        _toneFrames = Math.Max(2, (int)(ToneLength.Ticks / packetTime.Ticks));
        _pauseFrames = Math.Max(1, (int)(PauseLength.Ticks / packetTime.Ticks));
    }

    public bool IsIdle => _current is null && _pending.IsEmpty && _pauseLeft == 0;

    public void Enqueue(string digits)
    {
        foreach (var digit in digits)
        {
            _pending.Enqueue(char.ToUpperInvariant(digit));
        }
    }

    public void Clear()
    {
        _pending.Clear();
        _current = null;
        _pauseLeft = 0;
    }

    /// <summary>Called once per tick; writes a 4-byte event payload when this tick carries an event.</summary>
    public bool TryNext(uint tickTimestamp, Span<byte> payload, out DtmfPacket packet)
    {
        packet = default;
        if (_current is null)
        {
            if (_pauseLeft > 0)
            {
                _pauseLeft--;
                return false;
            }

            if (!_pending.TryDequeue(out var next))
            {
                return false;
            }

            _current = next;
            _eventTimestamp = tickTimestamp;
            _framesSent = 0;
        }

        _framesSent++;
        var end = _framesSent > _toneFrames;
        var duration = (ushort)(Math.Min(_framesSent, _toneFrames) * _frameSamples);
        payload[0] = TelephoneEvent.EventForDigit(_current.Value);
        payload[1] = (byte)((end ? 0x80 : 0) | Volume);
        BinaryPrimitives.WriteUInt16BigEndian(payload[2..], duration);
        packet = new DtmfPacket(_framesSent == 1, _eventTimestamp);
        if (_framesSent == _toneFrames + EndRepeats)
        {
            _current = null;
            _pauseLeft = _pauseFrames;
        }

        return true;
    }
}
