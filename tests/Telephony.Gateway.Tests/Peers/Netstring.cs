using System.Globalization;
using System.Text;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>
/// Netstring framing as baresip's ctrl_tcp speaks it: "LENGTH:PAYLOAD," with LENGTH in decimal
/// bytes. <see cref="NetstringReader"/> reassembles frames split across TCP reads.
/// </summary>
public static class Netstring
{
    public static byte[] Encode(string payload)
    {
        var body = Encoding.UTF8.GetBytes(payload);
        var head = Encoding.ASCII.GetBytes(body.Length.ToString(CultureInfo.InvariantCulture) + ":");
        return [.. head, .. body, (byte)','];
    }
}

public sealed class NetstringReader
{
    /// <summary>baresip's messages are small; a longer frame means the stream is not netstrings.</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    private readonly List<byte> _pending = [];

    /// <summary>
    /// Adds bytes read from the socket and returns every frame they complete. A malformed stream
    /// throws <see cref="FormatException"/> and leaves the reader as it was before the call.
    /// </summary>
    public IReadOnlyList<string> Feed(ReadOnlySpan<byte> received)
    {
        var buffer = new List<byte>(_pending);
        buffer.AddRange(received.ToArray());
        var frames = new List<string>();
        var start = 0;
        while (TryFrame(buffer, start, out var payload, out var next))
        {
            frames.Add(payload);
            start = next;
        }
        _pending.Clear();
        _pending.AddRange(buffer.Skip(start));
        return frames;
    }

    private static bool TryFrame(List<byte> buffer, int start, out string payload, out int next)
    {
        payload = "";
        next = start;
        var length = 0L;
        var i = start;
        for (; i < buffer.Count && buffer[i] != (byte)':'; i++)
        {
            var b = buffer[i];
            if (b is < (byte)'0' or > (byte)'9') throw new FormatException($"netstring length has a non-digit byte 0x{b:x2}");
            length = length * 10 + (b - '0');
            if (length > MaxFrameBytes) throw new FormatException($"netstring longer than {MaxFrameBytes} bytes");
        }
        if (i >= buffer.Count) return false;
        if (i == start) throw new FormatException("netstring without a length");
        var bodyStart = i + 1;
        var end = bodyStart + (int)length;
        if (end >= buffer.Count) return false;
        if (buffer[end] != (byte)',') throw new FormatException("netstring not terminated by ','");
        payload = Encoding.UTF8.GetString(buffer.GetRange(bodyStart, (int)length).ToArray());
        next = end + 1;
        return true;
    }
}
