using System.Globalization;
using System.Net.Sockets;

namespace CallCenter.Telephony.Sip.Sdp;

/// <summary>An audio codec we can send and receive, with its static RTP payload type if it has one (RFC 3551 §6).</summary>
public sealed record SdpAudioCodec(string EncodingName, int ClockRate, int? StaticPayloadType)
{
    public const int NarrowbandClockRate = 8_000;

    public static SdpAudioCodec Pcmu { get; } = new("PCMU", NarrowbandClockRate, 0);

    public static SdpAudioCodec Pcma { get; } = new("PCMA", NarrowbandClockRate, 8);

    /// <summary>RFC 4733 DTMF events; its payload type is dynamic, so an answer echoes the offerer's.</summary>
    public static SdpAudioCodec TelephoneEvent { get; } = new("telephone-event", NarrowbandClockRate, null);

    public bool Matches(SdpRtpMap map) =>
        string.Equals(map.EncodingName, EncodingName, StringComparison.OrdinalIgnoreCase) && map.ClockRate == ClockRate && map.Channels is null or 1;
}

/// <summary>What this side offers and accepts. Validated by the constructor of <see cref="SdpNegotiator"/>.</summary>
public sealed record SdpMediaSettings
{
    public const int DefaultPacketTimeMilliseconds = 20;
    public const int DefaultTelephoneEventPayloadType = 101;

    /// <summary>The RTP address we advertise in c= and o= (an IPv4 or IPv6 literal).</summary>
    public required string Address { get; init; }

    /// <summary>Audio codecs in our order of preference; the answer lists the common ones in this order.</summary>
    public IReadOnlyList<SdpAudioCodec> Codecs { get; init; } = [SdpAudioCodec.Pcmu, SdpAudioCodec.Pcma];

    public bool TelephoneEvents { get; init; } = true;

    /// <summary>Payload type for telephone-event in our own offers (96–127 are dynamic, RFC 3551 §6).</summary>
    public int TelephoneEventPayloadType { get; init; } = DefaultTelephoneEventPayloadType;

    /// <summary>The DTMF events 0-9, *, #, A-D (RFC 4733 §7.1.1 default set).</summary>
    public string TelephoneEventRange { get; init; } = "0-15";

    public int PacketTimeMilliseconds { get; init; } = DefaultPacketTimeMilliseconds;

    public string UserName { get; init; } = "-";

    public string SessionName { get; init; } = "-";

    internal string AddressType =>
        System.Net.IPAddress.TryParse(Address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? SdpConnection.IPv6 : SdpConnection.IPv4;
}

/// <summary>The audio stream both sides agreed on.</summary>
public sealed record SdpNegotiatedAudio(
    int MediaIndex,
    SdpAudioCodec Codec,
    int PayloadType,
    int? TelephoneEventPayloadType,
    string RemoteAddress,
    int RemotePort,
    SdpDirection LocalDirection,
    int PacketTimeMilliseconds)
{
    /// <summary>True when the peer put us on hold: it will not receive, or it used the RFC 2543 0.0.0.0 address.</summary>
    public bool IsRemoteHold => !LocalDirection.Sends() || RemoteAddress == "0.0.0.0";
}

public sealed record SdpAnswer(SdpSessionDescription Description, SdpNegotiatedAudio? Audio)
{
    /// <summary>When no stream could be accepted the request should get 488 Not Acceptable Here (RFC 3264 §6).</summary>
    public bool IsAcceptable => Audio is not null;
}

/// <summary>
/// Offer/answer for one call leg (RFC 3264): builds our offers and answers with a stable o= session id and a
/// version that increases whenever we issue a new offer or a changed answer (§8), and reads the peer's answer.
/// We accept one audio stream over RTP/AVP; other streams are rejected with port 0 (§6).
/// </summary>
public sealed class SdpNegotiator
{
    private readonly SdpMediaSettings _settings;
    private ulong _version;
    private string? _lastContent;

    public SdpNegotiator(SdpMediaSettings settings, ulong sessionId)
    {
        const int minimumDynamic = 96;
        const int maximumDynamic = 127;
        if (settings.Codecs.Count == 0 || settings.Codecs.Any(c => c.StaticPayloadType is null))
        {
            throw new ArgumentException("Codecs need static payload types and at least one is required.", nameof(settings));
        }

        if (settings.TelephoneEventPayloadType is < minimumDynamic or > maximumDynamic)
        {
            throw new ArgumentException("telephone-event needs a dynamic payload type (96-127).", nameof(settings));
        }

        if (!System.Net.IPAddress.TryParse(settings.Address, out _))
        {
            throw new ArgumentException("The media address must be an IP literal.", nameof(settings));
        }

        _settings = settings;
        SessionId = sessionId;
        _version = sessionId;
    }

    public ulong SessionId { get; }

    /// <summary>The o= version of the last description we issued.</summary>
    public ulong SessionVersion => _version;

    /// <summary>A new offer (initial, re-INVITE for hold/resume, or refresh); each one carries a new version.</summary>
    public SdpSessionDescription CreateOffer(int rtpPort, SdpDirection direction = SdpDirection.SendReceive)
    {
        var formats = _settings.Codecs.Select(c => c.StaticPayloadType!.Value).ToList();
        int? telephoneEvent = _settings.TelephoneEvents ? _settings.TelephoneEventPayloadType : null;
        var media = BuildAudio(rtpPort, formats.Select(pt => (_settings.Codecs.First(c => c.StaticPayloadType == pt), pt)), telephoneEvent, _settings.TelephoneEventRange, direction);
        return Issue([media], isOffer: true);
    }

    /// <summary>
    /// Answers <paramref name="offer"/> (RFC 3264 §6): the same m-lines in the same order; the first audio RTP/AVP
    /// stream that shares a codec with us is accepted with the common codecs in our preference order and the
    /// offerer's payload numbers (telephone-event echoed with the offerer's type); everything else gets port 0.
    /// </summary>
    public SdpAnswer CreateAnswer(SdpSessionDescription offer, int rtpPort, SdpDirection localDirection = SdpDirection.SendReceive)
    {
        var answerMedia = new List<SdpMediaDescription>(offer.Media.Count);
        SdpNegotiatedAudio? negotiated = null;
        for (var index = 0; index < offer.Media.Count; index++)
        {
            var offered = offer.Media[index];
            var common = negotiated is null && IsUsableAudio(offered) ? CommonCodecs(offered) : [];
            var connection = offer.ConnectionFor(offered);
            if (common.Count == 0 || connection is null)
            {
                answerMedia.Add(Rejected(offered));
                continue;
            }

            var telephoneEvent = _settings.TelephoneEvents ? FindTelephoneEvent(offered) : null;
            var offerDirection = offer.DirectionOf(offered);

            // Our sending needs the offerer to receive, and the other way round (§6.1).
            var direction = SdpDirections.From(localDirection.Sends() && offerDirection.Receives(), localDirection.Receives() && offerDirection.Sends());
            var events = telephoneEvent is { } te ? offered.GetFormatParameters(te) ?? _settings.TelephoneEventRange : null;
            answerMedia.Add(BuildAudio(rtpPort, common, telephoneEvent, events, direction));
            negotiated = new SdpNegotiatedAudio(
                index, common[0].Codec, common[0].PayloadType, telephoneEvent, connection.Address, offered.Port, direction,
                offered.PacketTime ?? _settings.PacketTimeMilliseconds);
        }

        return new SdpAnswer(Issue(answerMedia, isOffer: false), negotiated);
    }

    /// <summary>
    /// Reads the answer to our offer: same number of m-lines (§6), an accepted audio stream whose first codec we
    /// offered. Returns null when the answerer rejected every stream.
    /// </summary>
    public SdpNegotiatedAudio? ReadAnswer(SdpSessionDescription offer, SdpSessionDescription answer)
    {
        if (answer.Media.Count != offer.Media.Count)
        {
            throw new Parsing.SipParseException(Parsing.SipParseError.InvalidSdp, "Answer m-lines differ from offer");
        }

        for (var index = 0; index < answer.Media.Count; index++)
        {
            var answered = answer.Media[index];
            if (answered.IsRejected || !IsUsableAudio(answered))
            {
                continue;
            }

            var common = CommonCodecs(answered);
            var connection = answer.ConnectionFor(answered);
            if (common.Count == 0 || connection is null)
            {
                continue;
            }

            // The answerer's first listed format is the one it prefers to receive (RFC 3264 §6.1).
            var preferred = common.FirstOrDefault(c => c.PayloadType.ToString(CultureInfo.InvariantCulture) == answered.Formats[0]);
            var chosen = preferred.Codec is null ? common[0] : preferred;
            var answerDirection = answer.DirectionOf(answered);
            var direction = SdpDirections.From(answerDirection.Receives(), answerDirection.Sends());
            return new SdpNegotiatedAudio(
                index, chosen.Codec, chosen.PayloadType, FindTelephoneEvent(answered), connection.Address, answered.Port,
                direction, answered.PacketTime ?? _settings.PacketTimeMilliseconds);
        }

        return null;
    }

    /// <summary>
    /// True when <paramref name="current"/> changes the session relative to <paramref name="previous"/>: a peer that
    /// does not increment the o= version is refreshing, not modifying (RFC 3264 §8).
    /// </summary>
    public static bool IsModification(SdpSessionDescription previous, SdpSessionDescription current) =>
        previous.Origin.SessionId != current.Origin.SessionId
        || previous.Origin.Address != current.Origin.Address
        || previous.Origin.SessionVersion != current.Origin.SessionVersion;

    private static bool IsUsableAudio(SdpMediaDescription media) =>
        media.Port != 0
        && string.Equals(media.Media, SdpMediaDescription.Audio, StringComparison.OrdinalIgnoreCase)
        && string.Equals(media.Protocol, SdpMediaDescription.RtpAvp, StringComparison.OrdinalIgnoreCase);

    private List<(SdpAudioCodec Codec, int PayloadType)> CommonCodecs(SdpMediaDescription offered)
    {
        var maps = offered.RtpMaps.ToList();
        var result = new List<(SdpAudioCodec, int)>();
        foreach (var codec in _settings.Codecs)
        {
            foreach (var format in offered.Formats)
            {
                if (!SdpParser.TryParsePayloadType(format, out var payloadType))
                {
                    continue;
                }

                var map = maps.FirstOrDefault(m => m.PayloadType == payloadType);

                // A static type without rtpmap means its RFC 3551 codec; an rtpmap may also name it on another number.
                if ((map is null && payloadType == codec.StaticPayloadType) || (map is not null && codec.Matches(map)))
                {
                    result.Add((codec, payloadType));
                    break;
                }
            }
        }

        return result;
    }

    private static int? FindTelephoneEvent(SdpMediaDescription media)
    {
        foreach (var map in media.RtpMaps)
        {
            if (SdpAudioCodec.TelephoneEvent.Matches(map) && media.Formats.Contains(map.PayloadType.ToString(CultureInfo.InvariantCulture)))
            {
                return map.PayloadType;
            }
        }

        return null;
    }

    private SdpMediaDescription BuildAudio(int rtpPort, IEnumerable<(SdpAudioCodec Codec, int PayloadType)> codecs, int? telephoneEvent, string? events, SdpDirection direction)
    {
        var media = new SdpMediaDescription { Media = SdpMediaDescription.Audio, Port = rtpPort, Protocol = SdpMediaDescription.RtpAvp };
        foreach (var (codec, payloadType) in codecs)
        {
            media.Formats.Add(payloadType.ToString(CultureInfo.InvariantCulture));
            media.Attributes.Add(new SdpAttribute("rtpmap", new SdpRtpMap(payloadType, codec.EncodingName, codec.ClockRate).Value));
        }

        if (telephoneEvent is { } te)
        {
            var number = te.ToString(CultureInfo.InvariantCulture);
            media.Formats.Add(number);
            media.Attributes.Add(new SdpAttribute("rtpmap", new SdpRtpMap(te, SdpAudioCodec.TelephoneEvent.EncodingName, SdpAudioCodec.TelephoneEvent.ClockRate).Value));
            if (events is not null)
            {
                media.Attributes.Add(new SdpAttribute("fmtp", $"{number} {events}"));
            }
        }

        media.Attributes.Add(new SdpAttribute("ptime", _settings.PacketTimeMilliseconds.ToString(CultureInfo.InvariantCulture)));
        media.Attributes.Add(new SdpAttribute(direction.ToAttributeName(), null));
        return media;
    }

    /// <summary>A rejected stream keeps its media, protocol and formats, with port 0 (RFC 3264 §6).</summary>
    private static SdpMediaDescription Rejected(SdpMediaDescription offered) => new()
    {
        Media = offered.Media,
        Port = 0,
        Protocol = offered.Protocol,
        Formats = [.. offered.Formats],
    };

    private SdpSessionDescription Issue(List<SdpMediaDescription> media, bool isOffer)
    {
        var session = new SdpSessionDescription
        {
            Origin = new SdpOrigin(_settings.UserName, SessionId, _version, SdpConnection.Internet, _settings.AddressType, _settings.Address),
            SessionName = _settings.SessionName,
            Connection = new SdpConnection(SdpConnection.Internet, _settings.AddressType, _settings.Address),
            Timings = [new SdpTiming(0, 0)],
            Media = media,
        };

        // RFC 3264 §8: a changed description carries version + 1; an unchanged answer may repeat its version.
        var content = WithoutOrigin(session);
        if (_lastContent is not null && (isOffer || content != _lastContent))
        {
            _version++;
            session.Origin = session.Origin with { SessionVersion = _version };
        }

        _lastContent = content;
        return session;
    }

    private static string WithoutOrigin(SdpSessionDescription session)
    {
        var text = SdpWriter.Write(session);
        var lines = text.Split("\r\n").Where(l => !l.StartsWith("o=", StringComparison.Ordinal));
        return string.Join("\r\n", lines);
    }
}
