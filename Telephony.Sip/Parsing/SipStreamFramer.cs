using System.Text;
using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Sip.Parsing;

public enum SipStreamFrameKind
{
    /// <summary>A complete message, framed by its Content-Length.</summary>
    Message,

    /// <summary>A double CRLF keep-alive ping; the peer expects a single CRLF back (RFC 5626 §3.5.1).</summary>
    KeepAlivePing,

    /// <summary>A single CRLF: a keep-alive pong, or stray line ends between messages (§7.5).</summary>
    KeepAlivePong,
}

public readonly record struct SipStreamFrame(SipStreamFrameKind Kind, byte[] Message);

/// <summary>
/// Splits a TCP/TLS byte stream into messages (RFC 3261 §18.3): the header block ends at the first empty
/// line and Content-Length, mandatory on streams, gives the body length. Any error means framing is lost
/// and the connection must be closed; the framer then stays failed.
/// </summary>
public sealed class SipStreamFramer
{
    private static readonly byte[] CrLfCrLf = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LfLf = "\n\n"u8.ToArray();
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    private readonly SipParserLimits _limits;
    private byte[] _buffer;
    private int _start;
    private int _count;
    private bool _failed;

    public SipStreamFramer(SipParserLimits? limits = null)
    {
        const int initialCapacity = 4096;
        _limits = limits ?? SipParserLimits.Default;
        _buffer = new byte[initialCapacity];
    }

    /// <summary>Bytes received but not yet returned as a frame.</summary>
    public int BufferedBytes => _count;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_failed)
        {
            throw new InvalidOperationException("The framer failed; close the connection.");
        }

        if (_start + _count + data.Length > _buffer.Length)
        {
            Compact(data.Length);
        }

        data.CopyTo(_buffer.AsSpan(_start + _count));
        _count += data.Length;
    }

    /// <summary>Returns the next complete frame, or false when more bytes are needed.</summary>
    public bool TryRead(out SipStreamFrame frame)
    {
        frame = default;
        if (_failed)
        {
            return false;
        }

        try
        {
            return TryReadCore(out frame);
        }
        catch (SipParseException)
        {
            _failed = true;
            throw;
        }
    }

    private bool TryReadCore(out SipStreamFrame frame)
    {
        frame = default;
        var data = _buffer.AsSpan(_start, _count);
        if (data.IsEmpty)
        {
            return false;
        }

        if (data[0] is (byte)'\r' or (byte)'\n')
        {
            if (data.StartsWith(CrLfCrLf))
            {
                Consume(CrLfCrLf.Length);
                frame = new SipStreamFrame(SipStreamFrameKind.KeepAlivePing, []);
                return true;
            }

            // Wait for the byte after a lone CRLF: it may be the second half of a ping.
            if (data.StartsWith(CrLf) && data.Length > CrLf.Length && data[CrLf.Length] is not ((byte)'\r' or (byte)'\n'))
            {
                Consume(CrLf.Length);
                frame = new SipStreamFrame(SipStreamFrameKind.KeepAlivePong, []);
                return true;
            }

            if (data[0] == (byte)'\n' || (data.Length > 1 && data[1] != (byte)'\n'))
            {
                // Bare LF or CR: stray line end, skip it (§7.5).
                Consume(1);
                return TryReadCore(out frame);
            }

            return false;
        }

        var headerEnd = FindHeaderEnd(data, out var terminatorLength);
        if (headerEnd < 0)
        {
            if (data.Length > _limits.MaxMessageBytes)
            {
                throw new SipParseException(SipParseError.MessageTooLarge, "Message Too Large");
            }

            return false;
        }

        var headerLength = headerEnd + terminatorLength;
        var contentLength = ReadContentLength(data[..headerEnd]);
        var total = (long)headerLength + contentLength;
        if (total > _limits.MaxMessageBytes)
        {
            throw new SipParseException(SipParseError.MessageTooLarge, "Message Too Large");
        }

        if (data.Length < total)
        {
            return false;
        }

        var message = data[..(int)total].ToArray();
        Consume((int)total);
        frame = new SipStreamFrame(SipStreamFrameKind.Message, message);
        return true;
    }

    private static int FindHeaderEnd(ReadOnlySpan<byte> data, out int terminatorLength)
    {
        var crlf = data.IndexOf(CrLfCrLf);
        var lf = data.IndexOf(LfLf);
        if (crlf >= 0 && (lf < 0 || crlf < lf))
        {
            terminatorLength = CrLfCrLf.Length;
            return crlf;
        }

        terminatorLength = LfLf.Length;
        return lf;
    }

    /// <summary>Finds Content-Length (or its compact form "l") among the header lines (§7.3.3, §20.14).</summary>
    private int ReadContentLength(ReadOnlySpan<byte> headerBlock)
    {
        int? length = null;
        var remaining = headerBlock;
        while (!remaining.IsEmpty)
        {
            var lineFeed = remaining.IndexOf((byte)'\n');
            var line = lineFeed < 0 ? remaining : remaining[..lineFeed];
            remaining = lineFeed < 0 ? default : remaining[(lineFeed + 1)..];
            if (line.Length > _limits.MaxHeaderLineLength)
            {
                throw new SipParseException(SipParseError.HeaderLineTooLong, "Header Line Too Long");
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = Encoding.ASCII.GetString(line[..colon]).TrimEnd(' ', '\t');
            if (!string.Equals(SipHeaderNames.Canonicalize(name), SipHeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = Encoding.ASCII.GetString(line[(colon + 1)..]).Trim(' ', '\t', '\r');
            var parsed = SipMessageParser.ParseContentLength(value);
            if (length is { } previous && previous != parsed)
            {
                throw new SipParseException(SipParseError.InvalidContentLength, "Conflicting Content-Length");
            }

            length = parsed;
        }

        return length ?? throw new SipParseException(SipParseError.MissingContentLength, "Missing Content-Length");
    }

    private void Consume(int length)
    {
        _start += length;
        _count -= length;
        if (_count == 0)
        {
            _start = 0;
        }
    }

    private void Compact(int incoming)
    {
        var needed = _count + incoming;
        var target = needed > _buffer.Length ? new byte[Math.Max(needed, _buffer.Length * 2)] : _buffer;
        Buffer.BlockCopy(_buffer, _start, target, 0, _count);
        _buffer = target;
        _start = 0;
    }

    internal void MarkFailed() => _failed = true;
}
