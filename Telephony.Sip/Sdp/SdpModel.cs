using System.Globalization;

namespace CallCenter.Telephony.Sip.Sdp;

/// <summary>o=&lt;username&gt; &lt;sess-id&gt; &lt;sess-version&gt; &lt;nettype&gt; &lt;addrtype&gt; &lt;unicast-address&gt; (RFC 4566 §5.2).</summary>
public sealed record SdpOrigin(string UserName, ulong SessionId, ulong SessionVersion, string NetworkType, string AddressType, string Address)
{
    public override string ToString() =>
        string.Join(' ', UserName, SessionId.ToString(CultureInfo.InvariantCulture), SessionVersion.ToString(CultureInfo.InvariantCulture), NetworkType, AddressType, Address);
}

/// <summary>c=&lt;nettype&gt; &lt;addrtype&gt; &lt;connection-address&gt; (RFC 4566 §5.7); a multicast TTL stays in the address.</summary>
public sealed record SdpConnection(string NetworkType, string AddressType, string Address)
{
    public const string Internet = "IN";
    public const string IPv4 = "IP4";
    public const string IPv6 = "IP6";

    /// <summary>RFC 2543 put calls on hold with c=0.0.0.0; RFC 3264 §8.4 asks answerers to still understand it.</summary>
    public bool IsHoldAddress => Address is "0.0.0.0";

    public override string ToString() => $"{NetworkType} {AddressType} {Address}";
}

/// <summary>a=&lt;attribute&gt; or a=&lt;attribute&gt;:&lt;value&gt; (RFC 4566 §5.13).</summary>
public readonly record struct SdpAttribute(string Name, string? Value)
{
    public override string ToString() => Value is null ? Name : $"{Name}:{Value}";
}

/// <summary>t=&lt;start-time&gt; &lt;stop-time&gt; with its r= repeat lines (RFC 4566 §5.9, §5.10).</summary>
public sealed record SdpTiming(ulong Start, ulong Stop)
{
    public List<string> Repeats { get; init; } = [];

    public override string ToString() => $"{Start.ToString(CultureInfo.InvariantCulture)} {Stop.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>a=rtpmap:&lt;payload type&gt; &lt;encoding name&gt;/&lt;clock rate&gt;[/&lt;channels&gt;] (RFC 4566 §6).</summary>
public sealed record SdpRtpMap(int PayloadType, string EncodingName, int ClockRate, int? Channels = null)
{
    public string Value => Channels is { } channels
        ? $"{PayloadType.ToString(CultureInfo.InvariantCulture)} {EncodingName}/{ClockRate.ToString(CultureInfo.InvariantCulture)}/{channels.ToString(CultureInfo.InvariantCulture)}"
        : $"{PayloadType.ToString(CultureInfo.InvariantCulture)} {EncodingName}/{ClockRate.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The media direction attributes (RFC 4566 §6, RFC 3264 §5.1); absent means sendrecv.</summary>
public enum SdpDirection
{
    SendReceive,
    SendOnly,
    ReceiveOnly,
    Inactive,
}

public static class SdpDirections
{
    public static string ToAttributeName(this SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.ReceiveOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    public static SdpDirection? FromAttributeName(string name) => name switch
    {
        "sendrecv" => SdpDirection.SendReceive,
        "sendonly" => SdpDirection.SendOnly,
        "recvonly" => SdpDirection.ReceiveOnly,
        "inactive" => SdpDirection.Inactive,
        _ => null,
    };

    public static bool Sends(this SdpDirection direction) => direction is SdpDirection.SendReceive or SdpDirection.SendOnly;

    public static bool Receives(this SdpDirection direction) => direction is SdpDirection.SendReceive or SdpDirection.ReceiveOnly;

    public static SdpDirection From(bool sends, bool receives) => (sends, receives) switch
    {
        (true, true) => SdpDirection.SendReceive,
        (true, false) => SdpDirection.SendOnly,
        (false, true) => SdpDirection.ReceiveOnly,
        _ => SdpDirection.Inactive,
    };
}

/// <summary>One media description: the m= line and the lines under it (RFC 4566 §5.14).</summary>
public sealed class SdpMediaDescription
{
    public const string Audio = "audio";
    public const string RtpAvp = "RTP/AVP";

    public required string Media { get; set; }

    /// <summary>Transport port; 0 rejects or disables the stream (RFC 3264 §5.1, §6).</summary>
    public required int Port { get; set; }

    public int? PortCount { get; set; }

    public required string Protocol { get; set; }

    /// <summary>Media formats: RTP payload type numbers for RTP/AVP.</summary>
    public List<string> Formats { get; init; } = [];

    public string? Information { get; set; }

    public List<SdpConnection> Connections { get; init; } = [];

    public List<string> Bandwidths { get; init; } = [];

    public string? EncryptionKey { get; set; }

    public List<SdpAttribute> Attributes { get; init; } = [];

    public bool IsRejected => Port == 0;

    public IEnumerable<SdpRtpMap> RtpMaps => Attributes.Where(a => a.Name == "rtpmap" && a.Value is not null)
        .Select(a => SdpParser.ParseRtpMap(a.Value!)).OfType<SdpRtpMap>();

    /// <summary>The fmtp parameters of a payload type (a=fmtp:&lt;pt&gt; &lt;parameters&gt;).</summary>
    public string? GetFormatParameters(int payloadType)
    {
        var prefix = payloadType.ToString(CultureInfo.InvariantCulture) + " ";
        foreach (var attribute in Attributes)
        {
            if (attribute.Name == "fmtp" && attribute.Value is { } value && value.StartsWith(prefix, StringComparison.Ordinal))
            {
                return value[prefix.Length..].Trim();
            }
        }

        return null;
    }

    public int? PacketTime => Attributes.FirstOrDefault(a => a.Name == "ptime").Value is { } value
        && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ptime) ? ptime : null;

    /// <summary>The direction attribute at media level, if any.</summary>
    public SdpDirection? Direction => Attributes.Select(a => a.Value is null ? SdpDirections.FromAttributeName(a.Name) : null).LastOrDefault(d => d is not null);
}

/// <summary>A whole session description (RFC 4566 §5), lines kept in their grammar order.</summary>
public sealed class SdpSessionDescription
{
    public const string MimeType = "application/sdp";

    public int Version { get; set; }

    public required SdpOrigin Origin { get; set; }

    public required string SessionName { get; set; }

    public string? Information { get; set; }

    public string? Uri { get; set; }

    public List<string> Emails { get; init; } = [];

    public List<string> Phones { get; init; } = [];

    public SdpConnection? Connection { get; set; }

    public List<string> Bandwidths { get; init; } = [];

    public List<SdpTiming> Timings { get; init; } = [];

    public string? TimeZones { get; set; }

    public string? EncryptionKey { get; set; }

    public List<SdpAttribute> Attributes { get; init; } = [];

    public List<SdpMediaDescription> Media { get; init; } = [];

    /// <summary>The connection that applies to a media description: its own c= or the session's (§5.7).</summary>
    public SdpConnection? ConnectionFor(SdpMediaDescription media) => media.Connections.FirstOrDefault() ?? Connection;

    /// <summary>The effective direction of a stream: media-level attribute, else session-level, else sendrecv (RFC 3264 §5.1).</summary>
    public SdpDirection DirectionOf(SdpMediaDescription media) =>
        media.Direction
        ?? Attributes.Select(a => a.Value is null ? SdpDirections.FromAttributeName(a.Name) : null).LastOrDefault(d => d is not null)
        ?? SdpDirection.SendReceive;

    public static SdpSessionDescription Parse(string text) => SdpParser.Parse(text);

    public static SdpSessionDescription Parse(ReadOnlySpan<byte> utf8) => SdpParser.Parse(utf8);

    public override string ToString() => SdpWriter.Write(this);
}
