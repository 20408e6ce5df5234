namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// A small FIFO of received G.711 codes between the receive loop and the pacing tick. It waits for
/// <c>prefillFrames</c> before playing out (and again after running dry) so network jitter does not become
/// gaps, and drops the oldest audio beyond its capacity so delay stays bounded when the peer's clock runs fast.
/// Packet size does not matter: 30 ms packets feed 20 ms frames.
/// </summary>
internal sealed class JitterBuffer
{
    private readonly Lock _gate = new();
    private readonly byte[] _ring;
    private readonly int _frameSamples;
    private readonly int _prefillSamples;
    private int _start;
    private int _count;
    private bool _buffering = true;

    public JitterBuffer(int frameSamples, int prefillFrames, int capacityFrames)
    {
        if (frameSamples <= 0 || prefillFrames < 1 || capacityFrames <= prefillFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(capacityFrames), "The capacity must exceed the prefill.");
        }

        _frameSamples = frameSamples;
        _prefillSamples = prefillFrames * frameSamples;
        _ring = new byte[capacityFrames * frameSamples];
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Samples thrown away because the buffer was full.</summary>
    public long Dropped { get; private set; }

    public void Write(ReadOnlySpan<byte> codes)
    {
        lock (_gate)
        {
            if (codes.Length > _ring.Length)
            {
                Dropped += codes.Length - _ring.Length;
                codes = codes[^_ring.Length..];
            }

            var overflow = _count + codes.Length - _ring.Length;
            if (overflow > 0)
            {
                _start = (_start + overflow) % _ring.Length;
                _count -= overflow;
                Dropped += overflow;
            }

            var end = (_start + _count) % _ring.Length;
            var first = Math.Min(codes.Length, _ring.Length - end);
            codes[..first].CopyTo(_ring.AsSpan(end));
            codes[first..].CopyTo(_ring);
            _count += codes.Length;
        }
    }

    /// <summary>Fills one frame; missing audio becomes <paramref name="silence"/>. Returns whether any audio was played.</summary>
    public bool Read(Span<byte> frame, byte silence)
    {
        lock (_gate)
        {
            if (_buffering && _count < _prefillSamples)
            {
                frame.Fill(silence);
                return false;
            }

            _buffering = false;
            var take = Math.Min(_count, frame.Length);
            var first = Math.Min(take, _ring.Length - _start);
            _ring.AsSpan(_start, first).CopyTo(frame);
            _ring.AsSpan(0, take - first).CopyTo(frame[first..]);
            frame[take..].Fill(silence);
            _start = (_start + take) % _ring.Length;
            _count -= take;
            if (take < frame.Length)
            {
                // Ran dry: the peer paused or packets were lost; build the cushion up again.
                _buffering = true;
            }

            return take > 0;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _start = 0;
            _count = 0;
            _buffering = true;
        }
    }

    public int FrameSamples => _frameSamples;
}
