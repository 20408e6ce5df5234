using System.Buffers;
using System.Net.Sockets;
using CallCenter.Telephony.Sip.Rtp;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// One RTP stream of a call (RFC 3550) on its own even UDP port. It receives on an async loop into a small jitter
/// buffer; the engine's single pacing loop sends one packet per packet time with what the leg is connected to: its
/// own source (prompt, tone, comfort silence), the other leg of a bridge, or its mix of a conference.
/// </summary>
public sealed class RtpLeg : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 2_048;

    private readonly MediaEngine _engine;
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly int _frameSamples;
    private readonly JitterBuffer _jitter;
    private readonly DtmfSender _dtmfOut;
    private readonly byte[] _receiveBuffer;
    private readonly short[] _transcodePcm = new short[ReceiveBufferBytes];
    private readonly byte[] _transcodeCodes = new byte[ReceiveBufferBytes];
    private readonly byte[] _sendBuffer;
    private readonly short[] _inboundPcm;
    private readonly CancellationTokenSource _stop = new();
    private readonly uint _ssrc;
    private readonly uint _timestampBase;
    private readonly Task _receiveLoop;
    private int _builtLength;
    private SocketAddress? _builtAddress;
    private ushort _sequence;
    private bool _startOfTalkspurt = true;
    private long _inboundPcmTick = -1;
    private TaskCompletionSource? _playCompletion;

    private volatile RtpRemote? _remote;
    private volatile SocketAddress? _sendAddress;
    private volatile IPEndPoint? _remoteEndPoint;
    private volatile SocketAddress? _latchedAddress;
    private volatile DtmfDetector? _dtmfIn;
    private volatile int _direction;

    // Audio sequence tracking, touched only by the receive loop.
    private uint _lastAudioSsrc;
    private ushort _lastAudioSequence;
    private bool _hasLastAudio;

    private long _packetsReceived;
    private long _packetsSent;
    private long _bytesReceived;
    private long _lastReceivedUtcTicks;
    private int _disposed;

    internal RtpLeg(MediaEngine engine, string name, Socket socket, MediaOptions options, TimeProvider time, ILogger logger)
    {
        _engine = engine;
        Name = name;
        _socket = socket;
        _time = time;
        _logger = logger;
        _frameSamples = options.FrameSamples;
        _jitter = new JitterBuffer(_frameSamples, options.JitterBufferFrames, options.JitterBufferFrames + 4);
        _dtmfOut = new DtmfSender(options.PacketTime);
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        _sendBuffer = new byte[RtpHeader.FixedBytes + Math.Max(_frameSamples, TelephoneEvent.PayloadBytes)];
        InboundCodes = new byte[_frameSamples];
        InboundCodes.AsSpan().Fill(G711.MuLawSilence);
        _inboundPcm = new short[_frameSamples];
        OutboundPcm = new short[_frameSamples];
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;

        // RFC 3550 §5.1: random SSRC, initial sequence number and timestamp.
        _ssrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        _sequence = (ushort)Random.Shared.Next(ushort.MaxValue);
        _timestampBase = (uint)Random.Shared.NextInt64(uint.MaxValue);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    public string Name { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Where packets go: the SDP address until the first valid packet latches the real source.</summary>
    public IPEndPoint? RemoteEndPoint => _remoteEndPoint;

    public RtpRemote? Remote => _remote;

    /// <summary>Whether the send address was learnt from received packets (symmetric RTP).</summary>
    public bool IsLatched => _latchedAddress is not null;

    public uint Ssrc => _ssrc;

    /// <summary>Our direction on this stream; hold is <see cref="MediaDirection.SendOnly"/>/<see cref="MediaDirection.Inactive"/> or, when held, <see cref="MediaDirection.ReceiveOnly"/>.</summary>
    public MediaDirection Direction
    {
        get => (MediaDirection)_direction;
        set => _direction = Enum.IsDefined(value) ? (int)value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public long PacketsReceived => Interlocked.Read(ref _packetsReceived);

    public long PacketsSent => Interlocked.Read(ref _packetsSent);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public DateTimeOffset? LastReceivedAt =>
        Interlocked.Read(ref _lastReceivedUtcTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public bool IsBridged => Bridge is not null;

    public Conference? Conference { get; internal set; }

    /// <summary>One per RFC 4733 key press, raised on the receive loop: handlers must be quick.</summary>
    public event Action<RtpLeg, char>? DigitReceived;

    internal MediaBridge? Bridge { get; set; }

    internal IAudioSource? Source { get; private set; }

    /// <summary>This tick's received frame, in this leg's codec (silence when nothing arrived).</summary>
    internal byte[] InboundCodes { get; }

    internal bool InboundHasAudio { get; private set; }

    /// <summary>What a conference wants this leg to send this tick.</summary>
    internal short[] OutboundPcm { get; }

    internal int PayloadType => _remote?.PayloadType ?? AudioFormat.PcmuPayloadType;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Sets (or, on a re-INVITE, changes) the far end. A changed address drops the latch; the same address keeps it,
    /// so a hold re-INVITE does not send media back to the SDP address. Bad values throw and change nothing.
    /// </summary>
    public void SetRemote(RtpRemote remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (!AudioFormat.IsG711(remote.PayloadType))
        {
            throw new ArgumentException($"Payload type {remote.PayloadType} is not G.711 PCMU (0) or PCMA (8).", nameof(remote));
        }

        if (remote.TelephoneEventPayloadType is { } eventType && (eventType is < 0 or > RtpPacket.MaxPayloadType || AudioFormat.IsG711(eventType)))
        {
            throw new ArgumentException($"Telephone-event payload type {eventType} is not usable.", nameof(remote));
        }

        if (remote.EndPoint is { } endPoint && (endPoint.AddressFamily != LocalEndPoint.AddressFamily || endPoint.Port == 0))
        {
            throw new ArgumentException($"Remote {endPoint} cannot be reached from {LocalEndPoint}.", nameof(remote));
        }

        if (!Enum.IsDefined(remote.Direction))
        {
            throw new ArgumentException("Unknown media direction.", nameof(remote));
        }

        ThrowIfDisposed();
        lock (_engine.Gate)
        {
            var previous = _remote;
            if (previous is null || !Equals(previous.EndPoint, remote.EndPoint))
            {
                _latchedAddress = null;
                _remoteEndPoint = remote.EndPoint;
                _sendAddress = remote.EndPoint?.Serialize();
            }

            if (previous?.TelephoneEventPayloadType != remote.TelephoneEventPayloadType)
            {
                _dtmfIn = remote.TelephoneEventPayloadType is { } type ? new DtmfDetector(type) : null;
            }

            if (previous is not null && previous.PayloadType != remote.PayloadType)
            {
                _jitter.Clear();
            }

            Direction = remote.Direction;
            _remote = remote;
        }
    }

    /// <summary>
    /// Plays <paramref name="source"/> (null: comfort silence), leaving any bridge or conference. A source instance
    /// belongs to one leg; it is read on the media loop and must not call back into the engine.
    /// </summary>
    public void Play(IAudioSource? source)
    {
        ThrowIfDisposed();
        lock (_engine.Gate)
        {
            DetachLocked();
            Source = source;
        }
    }

    /// <summary>
    /// Plays <paramref name="source"/>; completes when it ends or something replaces it (another play, a bridge, a
    /// conference, disposal). Cancelling stops the playback (back to silence) and cancels the task.
    /// </summary>
    public async Task PlayAsync(IAudioSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_engine.Gate)
        {
            DetachLocked();
            Source = source;
            _playCompletion = completion;
        }

        await using var registration = cancellationToken.Register(() =>
        {
            completion.TrySetCanceled(cancellationToken);

            // The token may fire inside an audio source's Read, i.e. during a tick that holds the engine lock
            // (possibly on a send worker): stop the playback from another thread rather than wait for the lock here.
            ThreadPool.UnsafeQueueUserWorkItem(
                _ =>
                {
                    lock (_engine.Gate)
                    {
                        if (_playCompletion == completion)
                        {
                            Source = null;
                            _playCompletion = null;
                        }
                    }
                },
                null);
        }).ConfigureAwait(false);
        await completion.Task.ConfigureAwait(false);
    }

    /// <summary>Sends RFC 4733 events for 0-9, *, #, A-D after any digits still queued.</summary>
    public void SendDigits(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        foreach (var digit in digits)
        {
            if ("0123456789*#ABCDabcd".IndexOf(digit, StringComparison.Ordinal) < 0)
            {
                throw new ArgumentException($"'{digit}' is not a DTMF digit.", nameof(digits));
            }
        }

        ThrowIfDisposed();
        if (_remote?.TelephoneEventPayloadType is null)
        {
            throw new MediaException($"Leg {Name} has no negotiated telephone-event payload type.");
        }

        _dtmfOut.Enqueue(digits);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_engine.Gate)
        {
            DetachLocked();
            _engine.RemoveLegLocked(this);
            InboundCodes.AsSpan().Fill(AudioFormat.SilenceCode(PayloadType));
            InboundHasAudio = false;
            _inboundPcmTick = -1;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _engine.ReleasePort(LocalEndPoint.Port);
        ArrayPool<byte>.Shared.Return(_receiveBuffer);
        _stop.Dispose();
        _logger.LogDebug("RTP leg {Leg} on {LocalEndPoint} closed after {PacketsReceived} packets in, {PacketsSent} out", Name, LocalEndPoint, PacketsReceived, PacketsSent);
    }

    public override string ToString() => $"{Name} {LocalEndPoint}";

    /// <summary>Leaves whatever the leg is in: a bridge (the other leg goes to silence), a conference, a playback.</summary>
    internal void DetachLocked()
    {
        Bridge?.SeparateLocked();
        Conference?.RemoveLocked(this);
        StopPlaybackLocked();
    }

    internal void StopPlaybackLocked()
    {
        Source = null;
        var completion = _playCompletion;
        _playCompletion = null;
        completion?.TrySetResult();
    }

    /// <summary>Tick phase 1: take this tick's received frame out of the jitter buffer.</summary>
    internal void CaptureInbound()
    {
        InboundHasAudio = _jitter.Read(InboundCodes, AudioFormat.SilenceCode(PayloadType));
    }

    /// <summary>This tick's received frame as linear PCM, decoded at most once per tick.</summary>
    internal ReadOnlySpan<short> InboundPcm(long tick)
    {
        if (_inboundPcmTick != tick)
        {
            AudioFormat.Decode(PayloadType, InboundCodes, _inboundPcm);
            _inboundPcmTick = tick;
        }

        return _inboundPcm;
    }

    /// <summary>
    /// Tick phase 3, under the engine's lock: build this tick's packet in the send buffer. Returns whether there is one
    /// to send; <see cref="SendBuilt"/> sends it after the lock is released.
    /// </summary>
    internal bool BuildOutbound(long tick)
    {
        var remote = _remote;
        var address = _sendAddress;
        var timestamp = unchecked(_timestampBase + (uint)(tick * _frameSamples));
        _builtLength = 0;
        _builtAddress = null;
        if (remote is null || address is null || !Direction.Sends())
        {
            // Not sending (hold, or no peer yet): the next packet starts a new talkspurt (RFC 3551 §4.1).
            _startOfTalkspurt = true;
            return false;
        }

        var payloadType = remote.PayloadType;
        if (remote.TelephoneEventPayloadType is { } eventType
            && _dtmfOut.TryNext(timestamp, _sendBuffer.AsSpan(RtpHeader.FixedBytes), out var dtmf))
        {
            RtpHeader.Write(_sendBuffer, dtmf.Marker, eventType, _sequence, dtmf.Timestamp, _ssrc);
            _builtLength = RtpHeader.FixedBytes + TelephoneEvent.PayloadBytes;
        }
        else
        {
            FillPayload(tick, payloadType, _sendBuffer.AsSpan(RtpHeader.FixedBytes, _frameSamples));
            RtpHeader.Write(_sendBuffer, _startOfTalkspurt, payloadType, _sequence, timestamp, _ssrc);
            _startOfTalkspurt = false;
            _builtLength = RtpHeader.FixedBytes + _frameSamples;
        }

        _sequence++;
        _builtAddress = address;
        return true;
    }

    /// <summary>Tick phase 5, outside the lock: send what <see cref="BuildOutbound"/> built. Returns whether it went out.</summary>
    internal bool SendBuilt()
    {
        if (_builtAddress is not { } address || _builtLength == 0)
        {
            return false;
        }

        try
        {
            _socket.SendTo(_sendBuffer.AsSpan(0, _builtLength), SocketFlags.None, address);
        }
        catch (SocketException e)
        {
            _engine.CountSendError();
            _logger.LogDebug("RTP leg {Leg} could not send to {Remote}: {Error}", Name, RemoteEndPoint, e.SocketErrorCode);
            return false;
        }
        catch (ObjectDisposedException)
        {
            // Closed after the tick built its packet: nothing to send it from any more.
            return false;
        }

        Interlocked.Increment(ref _packetsSent);
        return true;
    }

    private void FillPayload(long tick, int payloadType, Span<byte> payload)
    {
        if (Bridge?.Other(this) is { } partner)
        {
            if (partner.PayloadType == payloadType)
            {
                // Same codec both sides: relay the codes as received, no transcoding.
                partner.InboundCodes.CopyTo(payload);
            }
            else
            {
                AudioFormat.Encode(payloadType, partner.InboundPcm(tick), payload);
            }

            return;
        }

        if (Conference is not null)
        {
            AudioFormat.Encode(payloadType, OutboundPcm, payload);
            return;
        }

        var frame = OutboundPcm.AsSpan();
        var read = 0;
        if (Source is { } source)
        {
            try
            {
                read = source.Read(frame);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Audio source of leg {Leg} failed; playing silence", Name);
                read = 0;
            }

            if (read <= 0)
            {
                StopPlaybackLocked();
                read = 0;
            }
        }

        frame[Math.Min(read, frame.Length)..].Clear();
        AudioFormat.Encode(payloadType, frame, payload);
    }

    private async Task ReceiveLoopAsync()
    {
        var from = new SocketAddress(LocalEndPoint.AddressFamily);
        var buffer = _receiveBuffer.AsMemory(0, ReceiveBufferBytes);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (!token.IsCancellationRequested)
            {
                // ICMP errors for earlier sends surface here on some platforms; the socket stays usable.
                _logger.LogDebug("RTP leg {Leg} receive error {Error}", Name, e.SocketErrorCode);
                continue;
            }
            catch (SocketException)
            {
                break;
            }

            try
            {
                OnDatagram(_receiveBuffer.AsSpan(0, received), from);
            }
            catch (Exception e)
            {
                // Nothing a peer sends may stop the loop.
                _logger.LogWarning(e, "RTP leg {Leg} dropped a packet it could not handle", Name);
            }
        }
    }

    private void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        Interlocked.Increment(ref _packetsReceived);
        Interlocked.Add(ref _bytesReceived, datagram.Length);
        Interlocked.Exchange(ref _lastReceivedUtcTicks, _time.GetUtcNow().UtcTicks);
        _engine.CountReceived();
        var remote = _remote;
        if (remote is null || !RtpHeader.TryRead(datagram, out var header))
        {
            return;
        }

        var isEvent = header.PayloadType == remote.TelephoneEventPayloadType;
        if (!isEvent && !AudioFormat.IsG711(header.PayloadType))
        {
            return;
        }

        if (_latchedAddress is not { } latched)
        {
            Latch(from);
        }
        else if (!latched.Equals(from))
        {
            // After latching only the peer is heard: packets from anywhere else are not this call's.
            return;
        }

        if (isEvent)
        {
            ReceiveEvent(datagram);
            return;
        }

        if (!Direction.Receives())
        {
            return;
        }

        if (_hasLastAudio && header.Ssrc == _lastAudioSsrc && !RtpHeader.IsNewer(header.SequenceNumber, _lastAudioSequence))
        {
            // A duplicate or a packet overtaken by newer audio: playing it now would only garble the stream.
            return;
        }

        _hasLastAudio = true;
        _lastAudioSsrc = header.Ssrc;
        _lastAudioSequence = header.SequenceNumber;
        var payload = datagram.Slice(header.PayloadOffset, header.PayloadLength);
        if (header.PayloadType == remote.PayloadType)
        {
            _jitter.Write(payload);
        }
        else
        {
            // Some peers (SIPp's pcap play) send PCMA whatever was negotiated: convert to the leg's codec.
            var pcm = _transcodePcm.AsSpan(0, payload.Length);
            var codes = _transcodeCodes.AsSpan(0, payload.Length);
            AudioFormat.Decode(header.PayloadType, payload, pcm);
            AudioFormat.Encode(remote.PayloadType, pcm, codes);
            _jitter.Write(codes);
        }
    }

    private void Latch(SocketAddress from)
    {
        var copy = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
        var endPoint = (IPEndPoint)LocalEndPoint.Create(copy);
        _sendAddress = copy;
        _remoteEndPoint = endPoint;
        _latchedAddress = copy;
        _logger.LogDebug("RTP leg {Leg} latched to {Remote}", Name, endPoint);
    }

    private void ReceiveEvent(ReadOnlySpan<byte> datagram)
    {
        if (_dtmfIn is not { } detector || !RtpPacket.TryParse(datagram, out var packet) || detector.Receive(packet!) is not { } digit)
        {
            return;
        }

        _logger.LogDebug("RTP leg {Leg} received DTMF {Digit}", Name, digit.Digit);
        try
        {
            DigitReceived?.Invoke(this, digit.Digit);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "A DigitReceived handler of leg {Leg} failed", Name);
        }
    }

    private void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new MediaException($"RTP leg {Name} is closed.");
        }
    }
}
