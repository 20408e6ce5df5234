using System.Globalization;
using System.Text;

namespace CallCenter.Telephony.Sip.Sdp;

/// <summary>Writes a session description with its lines in the order RFC 4566 §5 prescribes, each ending in CRLF.</summary>
public static class SdpWriter
{
    public static string Write(SdpSessionDescription session)
    {
        var builder = new StringBuilder(512);
        Line(builder, 'v', session.Version.ToString(CultureInfo.InvariantCulture));
        Line(builder, 'o', session.Origin.ToString());
        Line(builder, 's', session.SessionName);
        Optional(builder, 'i', session.Information);
        Optional(builder, 'u', session.Uri);
        session.Emails.ForEach(e => Line(builder, 'e', e));
        session.Phones.ForEach(p => Line(builder, 'p', p));
        Optional(builder, 'c', session.Connection?.ToString());
        session.Bandwidths.ForEach(b => Line(builder, 'b', b));
        foreach (var timing in session.Timings)
        {
            Line(builder, 't', timing.ToString());
            timing.Repeats.ForEach(r => Line(builder, 'r', r));
        }

        Optional(builder, 'z', session.TimeZones);
        Optional(builder, 'k', session.EncryptionKey);
        session.Attributes.ForEach(a => Line(builder, 'a', a.ToString()));
        foreach (var media in session.Media)
        {
            var port = media.PortCount is { } count
                ? $"{media.Port.ToString(CultureInfo.InvariantCulture)}/{count.ToString(CultureInfo.InvariantCulture)}"
                : media.Port.ToString(CultureInfo.InvariantCulture);
            Line(builder, 'm', $"{media.Media} {port} {media.Protocol} {string.Join(' ', media.Formats)}");
            Optional(builder, 'i', media.Information);
            media.Connections.ForEach(c => Line(builder, 'c', c.ToString()));
            media.Bandwidths.ForEach(b => Line(builder, 'b', b));
            Optional(builder, 'k', media.EncryptionKey);
            media.Attributes.ForEach(a => Line(builder, 'a', a.ToString()));
        }

        return builder.ToString();
    }

    public static byte[] WriteUtf8(SdpSessionDescription session) => Encoding.UTF8.GetBytes(Write(session));

    private static void Optional(StringBuilder builder, char type, string? value)
    {
        if (value is not null)
        {
            Line(builder, type, value);
        }
    }

    private static void Line(StringBuilder builder, char type, string value) =>
        builder.Append(type).Append('=').Append(value).Append("\r\n");
}
