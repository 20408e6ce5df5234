using System.Globalization;
using System.Text;
using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Sip.Parsing;

/// <summary>
/// Writes canonical messages: single spaces in the start line, "Name: value" rows with CRLF, full header
/// names, and exactly one Content-Length equal to the body length (§18.3 makes it mandatory on streams;
/// we always write it), placed where the message had one or else after the last header.
/// </summary>
public static class SipMessageWriter
{
    private const string LineEnd = "\r\n";

    public static byte[] Write(SipMessage message)
    {
        var head = WriteHead(message);
        var headLength = Encoding.UTF8.GetByteCount(head);
        var bytes = new byte[headLength + message.Body.Length];
        Encoding.UTF8.GetBytes(head, bytes);
        message.Body.Span.CopyTo(bytes.AsSpan(headLength));
        return bytes;
    }

    /// <summary>The start line and headers as text, for logs and tests.</summary>
    public static string WriteHead(SipMessage message)
    {
        var builder = new StringBuilder(512);
        switch (message)
        {
            case SipRequest request:
                builder.Append(request.Method).Append(' ').Append(request.RequestUri).Append(' ').Append(SipMessage.Version);
                break;
            case SipResponse response:
                builder.Append(SipMessage.Version).Append(' ')
                    .Append(response.StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ')
                    .Append(response.ReasonPhrase);
                break;
            default:
                throw new ArgumentException("Unknown message type.", nameof(message));
        }

        builder.Append(LineEnd);
        var contentLength = message.Body.Length.ToString(CultureInfo.InvariantCulture);
        var wroteLength = false;
        foreach (var header in message.Headers)
        {
            if (string.Equals(header.Name, SipHeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                if (!wroteLength)
                {
                    AppendHeader(builder, SipHeaderNames.ContentLength, contentLength);
                    wroteLength = true;
                }

                continue;
            }

            AppendHeader(builder, header.Name, header.Value);
        }

        if (!wroteLength)
        {
            AppendHeader(builder, SipHeaderNames.ContentLength, contentLength);
        }

        return builder.Append(LineEnd).ToString();
    }

    private static void AppendHeader(StringBuilder builder, string name, string value) =>
        builder.Append(name).Append(": ").Append(value).Append(LineEnd);
}
