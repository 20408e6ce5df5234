using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// The gateway's media plane: RTP legs on even UDP ports, one pacing loop for all of them (a timer per leg would
/// not carry 2,000 legs on two cores), bridges, conferences and recordings. Each tick runs four phases under one
/// lock: take every leg's received frame, mix conferences, build every leg's packet, append recordings. Control calls
/// (create, play, bridge, join) take the same lock, so a tick never sees half a change. The packets are sent after the
/// lock is released: the system calls are most of a tick, and call set-up on the SIP threads must not wait for them.
/// </summary>
public sealed class MediaEngine : IAsyncDisposable
{
    /// <summary>Below this many legs one core sends a tick's packets faster than handing work to another would.</summary>
    private const int ParallelSendThreshold = 256;

    private readonly MediaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MediaEngine> _logger;
    private readonly IPAddress _bindAddress;
    private readonly PortPool _ports;
    private readonly List<RtpLeg> _legs = [];
    private readonly List<Conference> _conferences = [];
    private readonly List<CallRecording> _recordings = [];

    /// <summary>The legs whose packet this tick built, sent after the lock; touched only by the (single) tick.</summary>
    private RtpLeg[] _outbox = new RtpLeg[ParallelSendThreshold];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pacing;
    private long _packetsReceived;
    private long _packetsSent;
    private long _ticks;
    private long _lateTicks;
    private long _skippedTicks;
    private long _maxTickLagTicks;
    private long _sendErrors;
    private long _busyTicks;
    private long _maxTickDurationTicks;
    private int _disposed;

    public MediaEngine(MediaOptions options, TimeProvider time, ILogger<MediaEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid media options: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = time;
        _logger = logger;
        _bindAddress = IPAddress.Parse(options.BindAddress);
        _ports = new PortPool(options.PortMin, options.PortMax);
        _pacing = Task.Run(PaceAsync);
    }

    public MediaOptions Options => _options;

    public int ActiveLegs
    {
        get
        {
            lock (Gate)
            {
                return _legs.Count;
            }
        }
    }

    public MediaCounters Counters => new(
        Interlocked.Read(ref _packetsReceived),
        Interlocked.Read(ref _packetsSent),
        Interlocked.Read(ref _ticks),
        Interlocked.Read(ref _lateTicks),
        Interlocked.Read(ref _skippedTicks),
        TimeSpan.FromTicks(Interlocked.Read(ref _maxTickLagTicks)),
        Interlocked.Read(ref _sendErrors),
        TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks)),
        TimeSpan.FromTicks(Interlocked.Read(ref _maxTickDurationTicks)));

    internal Lock Gate { get; } = new();

    /// <summary>Binds the next free even port in the range on the bind address; <see cref="MediaException"/> when none is left.</summary>
    public RtpLeg CreateLeg(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var socket = _ports.Bind(_bindAddress);
        var leg = new RtpLeg(this, name, socket, _options, _time, _logger);
        lock (Gate)
        {
            _legs.Add(leg);
        }

        _logger.LogDebug("RTP leg {Leg} opened on {LocalEndPoint}", name, leg.LocalEndPoint);
        return leg;
    }

    /// <summary>Connects two legs so each hears the other; each leaves whatever it was in first.</summary>
    public MediaBridge Bridge(RtpLeg a, RtpLeg b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a == b)
        {
            throw new ArgumentException("A leg cannot be bridged to itself.", nameof(b));
        }

        ThrowIfForeign(a);
        ThrowIfForeign(b);
        lock (Gate)
        {
            if (a.IsDisposed || b.IsDisposed)
            {
                throw new MediaException($"Cannot bridge {a.Name} and {b.Name}: a leg is closed.");
            }

            a.DetachLocked();
            b.DetachLocked();
            var bridge = new MediaBridge(Gate, a, b);
            a.Bridge = bridge;
            b.Bridge = bridge;
            return bridge;
        }
    }

    public Conference CreateConference(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var conference = new Conference(this, name, _options.FrameSamples);
        lock (Gate)
        {
            _conferences.Add(conference);
        }

        return conference;
    }

    /// <summary>
    /// Starts a stereo recording (left: what <paramref name="caller"/> said, right: what <paramref name="agent"/>
    /// said). A relative path is taken under <see cref="MediaOptions.RecordingFolder"/>; an existing file is an error.
    /// </summary>
    public CallRecording StartRecording(string path, RtpLeg caller, RtpLeg agent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(agent);
        ThrowIfForeign(caller);
        ThrowIfForeign(agent);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var fullPath = System.IO.Path.GetFullPath(System.IO.Path.Combine(_options.RecordingFolder, path));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        var recording = new CallRecording(this, fullPath, caller, agent, _logger);
        lock (Gate)
        {
            _recordings.Add(recording);
        }

        _logger.LogInformation("Recording {Caller} and {Agent} to {Path}", caller.Name, agent.Name, fullPath);
        return recording;
    }

    /// <summary>
    /// Records <paramref name="otherAgents"/> on <paramref name="recording"/>'s agent channel beside its agent (the other
    /// agents of a three-way conference, CTI-3: every party is on the recording); empty for none.
    /// </summary>
    public void RecordOtherAgents(CallRecording recording, IReadOnlyList<RtpLeg> otherAgents)
    {
        ArgumentNullException.ThrowIfNull(recording);
        ArgumentNullException.ThrowIfNull(otherAgents);
        foreach (var leg in otherAgents)
        {
            ThrowIfForeign(leg);
        }
        lock (Gate)
        {
            recording.OtherAgentsLocked = [.. otherAgents];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pacing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        RtpLeg[] legs;
        CallRecording[] recordings;
        Conference[] conferences;
        lock (Gate)
        {
            legs = [.. _legs];
            recordings = [.. _recordings];
            conferences = [.. _conferences];
        }

        foreach (var recording in recordings)
        {
            await recording.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var conference in conferences)
        {
            conference.Dispose();
        }

        foreach (var leg in legs)
        {
            await leg.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    internal void ThrowIfForeign(RtpLeg leg)
    {
        lock (Gate)
        {
            if (!leg.IsDisposed && !_legs.Contains(leg))
            {
                throw new ArgumentException($"RTP leg {leg.Name} belongs to another media engine.", nameof(leg));
            }
        }
    }

    internal void RemoveLegLocked(RtpLeg leg) => _legs.Remove(leg);

    internal void RemoveConferenceLocked(Conference conference) => _conferences.Remove(conference);

    internal void RemoveRecordingLocked(CallRecording recording) => _recordings.Remove(recording);

    internal void ReleasePort(int port) => _ports.Release(port);

    internal void CountReceived() => Interlocked.Increment(ref _packetsReceived);

    internal void CountSendError() => Interlocked.Increment(ref _sendErrors);

    /// <summary>Runs one tick; internal so tests can step the media plane without the clock.</summary>
    internal void RunTick(long tick)
    {
        var started = _time.GetTimestamp();
        int built;
        lock (Gate)
        {
            var legs = CollectionsMarshal.AsSpan(_legs);
            foreach (var leg in legs)
            {
                leg.CaptureInbound();
            }

            foreach (var conference in _conferences)
            {
                conference.Mix(tick);
            }

            if (_outbox.Length < legs.Length)
            {
                _outbox = new RtpLeg[Math.Max(legs.Length, _outbox.Length * 2)];
            }

            built = 0;
            foreach (var leg in legs)
            {
                if (leg.BuildOutbound(tick))
                {
                    _outbox[built++] = leg;
                }
            }

            foreach (var recording in _recordings)
            {
                recording.Capture(tick);
            }
        }

        // Each packet is complete in its leg's own buffer; a leg closed since then just fails its send.
        var sent = built >= ParallelSendThreshold ? SendInParallel(built) : SendRange(0, built);
        Array.Clear(_outbox, 0, built);
        Interlocked.Add(ref _packetsSent, sent);
        Interlocked.Increment(ref _ticks);
        var busy = _time.GetElapsedTime(started).Ticks;
        Interlocked.Add(ref _busyTicks, busy);
        UpdateMax(ref _maxTickDurationTicks, busy);
    }

    /// <summary>
    /// Sending is most of a tick's work (a system call per packet). Each send touches only its own leg's socket and
    /// built packet, so the packets can be split across cores.
    /// </summary>
    private int SendInParallel(int count)
    {
        var partitions = Math.Min(Environment.ProcessorCount, (count + ParallelSendThreshold - 1) / ParallelSendThreshold);
        var sent = 0;
        Parallel.For(0, partitions, partition =>
        {
            var from = count * partition / partitions;
            var to = count * (partition + 1) / partitions;
            Interlocked.Add(ref sent, SendRange(from, to));
        });
        return sent;
    }

    private int SendRange(int from, int to)
    {
        var sent = 0;
        for (var i = from; i < to; i++)
        {
            if (_outbox[i].SendBuilt())
            {
                sent++;
            }
        }

        return sent;
    }

    private static void UpdateMax(ref long field, long value)
    {
        var max = Interlocked.Read(ref field);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref field, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    private async Task PaceAsync()
    {
        var schedule = new TickSchedule(_options.PacketTime, _options.MaxCatchUpTicks);
        using var timer = new PeriodicTimer(_options.PacketTime, _time);
        var start = _time.GetTimestamp();
        var token = _stop.Token;
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            var plan = schedule.Plan(_time.GetElapsedTime(start));
            if (plan.Run == 0)
            {
                continue;
            }

            RecordLag(plan);
            for (var i = 0; i < plan.Run; i++)
            {
                try
                {
                    RunTick(plan.FirstTick + i);
                }
                catch (Exception e)
                {
                    // A bug in one tick must not silence every call in the gateway.
                    _logger.LogError(e, "Media tick {Tick} failed", plan.FirstTick + i);
                }
            }
        }
    }

    private void RecordLag(TickPlan plan)
    {
        Metrics.GatewayMeter.MediaLoopLag(plan.Lag);
        Interlocked.Add(ref _lateTicks, plan.Late);
        Interlocked.Add(ref _skippedTicks, plan.Skipped);
        if (plan.Skipped > 0)
        {
            _logger.LogWarning("Media loop fell {Skipped} ticks behind; skipped them", plan.Skipped);
        }

        UpdateMax(ref _maxTickLagTicks, plan.Lag.Ticks);
    }
}
