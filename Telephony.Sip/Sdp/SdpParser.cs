using System.Globalization;
using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Sdp;

/// <summary>
/// Reads session descriptions (RFC 4566 §5). Like the SIP parser it throws only
/// <see cref="SipParseException"/> (error <see cref="SipParseError.InvalidSdp"/>), so a UAS can answer 400 or 488.
/// </summary>
public static class SdpParser
{
    /// <summary>A body larger than a UDP datagram cannot come with a SIP message we accept anyway.</summary>
    public const int MaxLength = SipParserLimits.DefaultMaxMessageBytes;

    /// <summary>Far more media sections than a phone call uses; bounds the work on hostile input.</summary>
    public const int MaxMediaDescriptions = 64;

    private const int OriginFields = 6;
    private const int ConnectionFields = 3;
    private const int MaxPort = 65_535;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static SdpSessionDescription Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            throw Invalid("SDP too large");
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new SipParseException(SipParseError.InvalidEncoding, "Invalid UTF-8 in SDP");
        }

        return Parse(text);
    }

    public static SdpSessionDescription Parse(string text)
    {
        if (text.Length > MaxLength)
        {
            throw Invalid("SDP too large");
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
        var index = 0;
        var version = Expect(lines, ref index, 'v');
        if (version != "0")
        {
            throw Invalid("Unsupported SDP version");
        }

        var session = new SdpSessionDescription
        {
            Version = 0,
            Origin = ParseOrigin(Expect(lines, ref index, 'o')),
            SessionName = Expect(lines, ref index, 's'),
        };

        SdpMediaDescription? media = null;
        for (; index < lines.Length; index++)
        {
            var (type, value) = Split(lines[index]);
            if (type == 'm')
            {
                if (session.Media.Count == MaxMediaDescriptions)
                {
                    throw Invalid("Too many media descriptions");
                }

                media = ParseMediaLine(value);
                session.Media.Add(media);
            }
            else if (media is null)
            {
                ApplySessionLine(session, type, value);
            }
            else
            {
                ApplyMediaLine(media, type, value);
            }
        }

        if (session.Timings.Count == 0)
        {
            throw Invalid("Missing t= line");
        }

        if (session.Connection is null && session.Media.Any(m => m.Connections.Count == 0))
        {
            throw Invalid("Missing c= line");
        }

        return session;
    }

    /// <summary>Parses an rtpmap value; null when it is malformed (the attribute is then ignored).</summary>
    public static SdpRtpMap? ParseRtpMap(string value)
    {
        var space = value.IndexOf(' ');
        if (space <= 0 || !TryParsePayloadType(value.AsSpan(0, space), out var payloadType))
        {
            return null;
        }

        var parts = value[(space + 1)..].Trim().Split('/');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var clockRate))
        {
            return null;
        }

        int? channels = null;
        if (parts.Length == 3)
        {
            if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return null;
            }

            channels = count;
        }

        return new SdpRtpMap(payloadType, parts[0], clockRate, channels);
    }

    /// <summary>RTP payload types are 7 bits (RFC 3550 §5.1).</summary>
    public static bool TryParsePayloadType(ReadOnlySpan<char> text, out int payloadType)
    {
        const int maxPayloadType = 127;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out payloadType) && text.Length <= 3 && payloadType <= maxPayloadType;
    }

    private static void ApplySessionLine(SdpSessionDescription session, char type, string value)
    {
        switch (type)
        {
            case 'i':
                session.Information = Once(session.Information, value, type);
                break;
            case 'u':
                session.Uri = Once(session.Uri, value, type);
                break;
            case 'e':
                session.Emails.Add(value);
                break;
            case 'p':
                session.Phones.Add(value);
                break;
            case 'c':
                session.Connection = session.Connection is null ? ParseConnection(value) : throw Invalid("Duplicate c= line");
                break;
            case 'b':
                session.Bandwidths.Add(ParseBandwidth(value));
                break;
            case 't':
                session.Timings.Add(ParseTiming(value));
                break;
            case 'r':
                (session.Timings.LastOrDefault() ?? throw Invalid("r= without t=")).Repeats.Add(value);
                break;
            case 'z':
                session.TimeZones = Once(session.TimeZones, value, type);
                break;
            case 'k':
                session.EncryptionKey = Once(session.EncryptionKey, value, type);
                break;
            case 'a':
                session.Attributes.Add(ParseAttribute(value));
                break;
            default:
                // RFC 4566 §5: a description with a type letter we do not understand must be ignored whole.
                throw Invalid($"Unexpected {type}= line");
        }
    }

    private static void ApplyMediaLine(SdpMediaDescription media, char type, string value)
    {
        switch (type)
        {
            case 'i':
                media.Information = Once(media.Information, value, type);
                break;
            case 'c':
                media.Connections.Add(ParseConnection(value));
                break;
            case 'b':
                media.Bandwidths.Add(ParseBandwidth(value));
                break;
            case 'k':
                media.EncryptionKey = Once(media.EncryptionKey, value, type);
                break;
            case 'a':
                media.Attributes.Add(ParseAttribute(value));
                break;
            default:
                throw Invalid($"Unexpected {type}= line in media");
        }
    }

    private static string Expect(string[] lines, ref int index, char type)
    {
        if (index >= lines.Length)
        {
            throw Invalid($"Missing {type}= line");
        }

        var (actual, value) = Split(lines[index]);
        if (actual != type)
        {
            throw Invalid($"Expected {type}= line");
        }

        index++;
        return value;
    }

    private static (char Type, string Value) Split(string line)
    {
        if (line.Length < 2 || line[1] != '=' || line[0] is < 'a' or > 'z')
        {
            throw Invalid("Malformed SDP line");
        }

        foreach (var c in line)
        {
            if (c < ' ' && c != '\t')
            {
                throw Invalid("Control character in SDP");
            }
        }

        return (line[0], line[2..]);
    }

    private static SdpOrigin ParseOrigin(string value)
    {
        var fields = value.Split(' ');
        if (fields.Length != OriginFields || fields.Any(f => f.Length == 0)
            || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sessionId)
            || !ulong.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var sessionVersion))
        {
            throw Invalid("Malformed o= line");
        }

        return new SdpOrigin(fields[0], sessionId, sessionVersion, fields[3], fields[4], fields[5]);
    }

    private static SdpConnection ParseConnection(string value)
    {
        var fields = value.Split(' ');
        if (fields.Length != ConnectionFields || fields.Any(f => f.Length == 0))
        {
            throw Invalid("Malformed c= line");
        }

        return new SdpConnection(fields[0], fields[1], fields[2]);
    }

    private static string ParseBandwidth(string value)
    {
        var colon = value.IndexOf(':');
        if (colon <= 0 || !SipGrammar.IsToken(value.AsSpan(0, colon))
            || !ulong.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw Invalid("Malformed b= line");
        }

        return value;
    }

    private static SdpTiming ParseTiming(string value)
    {
        var fields = value.Split(' ');
        if (fields.Length != 2
            || !ulong.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var stop))
        {
            throw Invalid("Malformed t= line");
        }

        return new SdpTiming(start, stop);
    }

    private static SdpAttribute ParseAttribute(string value)
    {
        var colon = value.IndexOf(':');
        var name = colon < 0 ? value : value[..colon];
        if (!SipGrammar.IsToken(name))
        {
            throw Invalid("Malformed a= line");
        }

        return new SdpAttribute(name, colon < 0 ? null : value[(colon + 1)..]);
    }

    private static SdpMediaDescription ParseMediaLine(string value)
    {
        var fields = value.Split(' ');
        if (fields.Length < 4 || fields.Any(f => f.Length == 0) || !SipGrammar.IsToken(fields[0]))
        {
            throw Invalid("Malformed m= line");
        }

        var portField = fields[1].AsSpan();
        int? portCount = null;
        var slash = portField.IndexOf('/');
        if (slash >= 0)
        {
            portCount = ParseNumber(portField[(slash + 1)..], MaxPort, "m= port count");
            portField = portField[..slash];
        }

        return new SdpMediaDescription
        {
            Media = fields[0],
            Port = ParseNumber(portField, MaxPort, "m= port"),
            PortCount = portCount,
            Protocol = fields[2],
            Formats = [.. fields[3..]],
        };
    }

    private static int ParseNumber(ReadOnlySpan<char> text, int maximum, string what)
    {
        const int maxDigits = 5;
        if (text.IsEmpty || text.Length > maxDigits || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > maximum)
        {
            throw Invalid($"Invalid {what}");
        }

        return number;
    }

    private static string Once(string? existing, string value, char type) =>
        existing is null ? value : throw Invalid($"Duplicate {type}= line");

    private static SipParseException Invalid(string reason) => new(SipParseError.InvalidSdp, reason);
}
