namespace CallCenter.Telephony.Gateway.Media;

/// <summary>How a conference member takes part.</summary>
public enum ConferenceRole
{
    /// <summary>Hears everyone, heard by everyone: the parties of a three-way call, a supervisor who barges in.</summary>
    Speaker,

    /// <summary>Hears everyone, heard by no one: a supervisor silently monitoring.</summary>
    Listener,

    /// <summary>Hears everyone, heard only by the whisper target: a supervisor coaching the agent.</summary>
    Whisperer,
}

/// <summary>A member as the mixing rules see it.</summary>
internal readonly record struct ConferenceSeat(RtpLeg Leg, ConferenceRole Role, RtpLeg? WhisperTarget);

/// <summary>
/// A mix of several legs. Every tick each member's received frame is decoded, and each member is sent the
/// saturating sum of what it may hear, never its own voice, encoded in its own codec.
/// </summary>
public sealed class Conference : IDisposable
{
    private readonly MediaEngine _engine;
    private readonly List<ConferenceSeat> _seats = [];
    private readonly int[] _speakers;
    private readonly int[] _mix;
    private bool _disposed;

    internal Conference(MediaEngine engine, string name, int frameSamples)
    {
        _engine = engine;
        Name = name;
        _speakers = new int[frameSamples];
        _mix = new int[frameSamples];
    }

    public string Name { get; }

    public int Count
    {
        get
        {
            lock (_engine.Gate)
            {
                return _seats.Count;
            }
        }
    }

    /// <summary>Who hears whom: the whole policy of roles.</summary>
    internal static bool Hears(ConferenceSeat listener, ConferenceSeat speaker) =>
        listener.Leg != speaker.Leg && speaker.Role switch
        {
            ConferenceRole.Speaker => true,
            ConferenceRole.Whisperer => speaker.WhisperTarget == listener.Leg,
            _ => false,
        };

    /// <summary>
    /// Adds <paramref name="leg"/> (leaving any bridge, playback or other conference it is in), or changes its role
    /// when it is already a member: listen, then whisper, then barge.
    /// </summary>
    public void Join(RtpLeg leg, ConferenceRole role, RtpLeg? whisperTarget = null)
    {
        ArgumentNullException.ThrowIfNull(leg);
        if (!Enum.IsDefined(role))
        {
            throw new ArgumentOutOfRangeException(nameof(role));
        }

        if ((role == ConferenceRole.Whisperer) != (whisperTarget is not null) || whisperTarget == leg)
        {
            throw new ArgumentException("A whisperer needs a whisper target other than itself; other roles take none.", nameof(whisperTarget));
        }

        if (leg.IsDisposed)
        {
            throw new MediaException($"RTP leg {leg.Name} is closed.");
        }

        _engine.ThrowIfForeign(leg);
        lock (_engine.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var seat = new ConferenceSeat(leg, role, whisperTarget);
            var index = _seats.FindIndex(s => s.Leg == leg);
            if (index >= 0)
            {
                _seats[index] = seat;
                return;
            }

            leg.DetachLocked();
            _seats.Add(seat);
            leg.Conference = this;
        }
    }

    /// <summary>Removes the leg; it goes back to silence. Not a member: nothing happens.</summary>
    public void Leave(RtpLeg leg)
    {
        ArgumentNullException.ThrowIfNull(leg);
        lock (_engine.Gate)
        {
            RemoveLocked(leg);
        }
    }

    /// <summary>The leg's role in the mix; null when it is not a member.</summary>
    public ConferenceRole? RoleOf(RtpLeg leg)
    {
        lock (_engine.Gate)
        {
            var index = _seats.FindIndex(s => s.Leg == leg);
            return index >= 0 ? _seats[index].Role : null;
        }
    }

    public bool Contains(RtpLeg leg)
    {
        lock (_engine.Gate)
        {
            return _seats.Exists(s => s.Leg == leg);
        }
    }

    public void Dispose()
    {
        lock (_engine.Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var seat in _seats)
            {
                seat.Leg.Conference = null;
            }

            _seats.Clear();
            _engine.RemoveConferenceLocked(this);
        }
    }

    internal void RemoveLocked(RtpLeg leg)
    {
        var index = _seats.FindIndex(s => s.Leg == leg);
        if (index >= 0)
        {
            _seats.RemoveAt(index);
            leg.Conference = null;
        }
    }

    /// <summary>Tick phase 2: fill every member's <see cref="RtpLeg.OutboundPcm"/>.</summary>
    internal void Mix(long tick)
    {
        if (_seats.Count == 0)
        {
            return;
        }

        // Speakers are heard by all, so sum them once and take each listener's own voice back out.
        Array.Clear(_speakers);
        foreach (var seat in _seats)
        {
            if (seat.Role == ConferenceRole.Speaker)
            {
                AudioFormat.Accumulate(_speakers, seat.Leg.InboundPcm(tick));
            }
        }

        foreach (var listener in _seats)
        {
            _speakers.CopyTo(_mix, 0);
            if (listener.Role == ConferenceRole.Speaker)
            {
                var own = listener.Leg.InboundPcm(tick);
                for (var i = 0; i < _mix.Length; i++)
                {
                    _mix[i] -= own[i];
                }
            }

            foreach (var speaker in _seats)
            {
                if (speaker.Role == ConferenceRole.Whisperer && Hears(listener, speaker))
                {
                    AudioFormat.Accumulate(_mix, speaker.Leg.InboundPcm(tick));
                }
            }

            AudioFormat.Saturate(_mix, listener.Leg.OutboundPcm);
        }
    }
}
