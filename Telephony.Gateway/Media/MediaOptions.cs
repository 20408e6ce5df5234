namespace CallCenter.Telephony.Gateway.Media;

/// <summary>Where the media plane binds its RTP ports, how it paces packets and where recordings go.</summary>
public sealed class MediaOptions
{
    public const string SectionName = "Media";

    /// <summary>G.711 packet times other than these are unusual; RFC 3551 §4.5 recommends 20 ms by default.</summary>
    public static readonly TimeSpan MinPacketTime = TimeSpan.FromMilliseconds(10);

    public static readonly TimeSpan MaxPacketTime = TimeSpan.FromMilliseconds(60);

    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Lowest RTP port; legs take even ports only (RFC 3550 §11), leaving the odd one for RTCP.</summary>
    public int PortMin { get; set; } = 20_000;

    public int PortMax { get; set; } = 29_999;

    /// <summary>Relative recording paths are resolved under this folder.</summary>
    public string RecordingFolder { get; set; } = "recordings";

    public TimeSpan PacketTime { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Frames a leg buffers before playing out to a mix, bridge or recording; absorbs network jitter.</summary>
    public int JitterBufferFrames { get; set; } = 2;

    /// <summary>Ticks the pacing loop runs back to back after a stall; older ticks are skipped, not bunched.</summary>
    public int MaxCatchUpTicks { get; set; } = 3;

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            errors.Add($"Media:BindAddress '{BindAddress}' is not an IP address.");
        }

        if (PortMin is < 1 or > ushort.MaxValue || PortMax is < 1 or > ushort.MaxValue)
        {
            errors.Add("Media:PortMin and Media:PortMax must be 1-65535.");
        }
        else if (PortMin > PortMax || (PortMin == PortMax && PortMin % 2 != 0))
        {
            errors.Add($"Media port range {PortMin}-{PortMax} holds no even port.");
        }

        if (string.IsNullOrWhiteSpace(RecordingFolder))
        {
            errors.Add("Media:RecordingFolder is required.");
        }

        if (PacketTime < MinPacketTime || PacketTime > MaxPacketTime || PacketTime.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            errors.Add($"Media:PacketTime {PacketTime} must be whole milliseconds between {MinPacketTime.TotalMilliseconds} and {MaxPacketTime.TotalMilliseconds} ms.");
        }

        if (JitterBufferFrames is < 1 or > 5)
        {
            errors.Add("Media:JitterBufferFrames must be 1-5.");
        }

        if (MaxCatchUpTicks is < 1 or > 10)
        {
            errors.Add("Media:MaxCatchUpTicks must be 1-10.");
        }

        return errors;
    }

    /// <summary>8 kHz samples in one packet: 160 for 20 ms.</summary>
    internal int FrameSamples => (int)(PacketTime.Ticks * AudioFormat.SampleRate / TimeSpan.TicksPerSecond);
}
