using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Sip.Tests.Parsing;

/// <summary>Round trips and fuzzing; the case count follows SIP_FUZZ_CASES (see <see cref="FuzzSettings"/>).</summary>
public sealed class SipMessagePropertyTests
{
    [Fact]
    public void Parse_of_written_message_equals_the_message()
    {
        FuzzSettings.Check(SipGenerators.Message, message =>
        {
            var datagram = SipMessageParser.Parse(SipMessageWriter.Write(message));
            var stream = SipMessageParser.Parse(SipMessageWriter.Write(message), SipFraming.Stream);
            return MessageAssert.AreEqual(message, datagram) && MessageAssert.AreEqual(message, stream);
        });
    }

    [Fact]
    public void Writing_is_canonical_for_anything_the_parser_accepts()
    {
        FuzzSettings.Check(MutatedMessages, bytes =>
        {
            SipMessage first;
            try
            {
                first = SipMessageParser.Parse(bytes);
            }
            catch (SipParseException)
            {
                return true;
            }

            var written = SipMessageWriter.Write(first);
            var second = SipMessageParser.Parse(written);
            return MessageAssert.AreEqual(WithoutContentLength(first), WithoutContentLength(second))
                && written.AsSpan().SequenceEqual(SipMessageWriter.Write(second));
        });
    }

    [Fact]
    public void Mutated_messages_never_throw_anything_but_parse_errors_and_never_hang()
    {
        FuzzSettings.Check(MutatedMessages, ParsesOrRejectsQuickly);
    }

    [Fact]
    public void Truncated_messages_never_throw_anything_but_parse_errors()
    {
        var truncated =
            from message in SipGenerators.Message
            let bytes = SipMessageWriter.Write(message)
            from length in Gen.Choose(0, bytes.Length)
            select bytes[..length];

        FuzzSettings.Check(truncated, ParsesOrRejectsQuickly);
    }

    [Fact]
    public void Random_bytes_and_header_soup_never_throw_anything_but_parse_errors()
    {
        var randomBytes = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));
        var soup =
            from lines in Gen.ListOf(Gen.OneOf(
                Gen.Elements(SoupLines),
                SipGenerators.StringOf("abcSIP/2.0 :;<>\"@=,\t\\[]", 0, 40)))
            select Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n");

        FuzzSettings.Check(Gen.OneOf(randomBytes, soup), ParsesOrRejectsQuickly);
    }

    [Fact]
    public void Stream_framer_returns_the_written_messages_whatever_the_segmentation()
    {
        var scenario =
            from messages in Gen.Choose(1, 4).SelectMany(n => Gen.ListOf(SipGenerators.Message, n))
            from segment in Gen.Choose(1, 700)
            from keepAlives in Gen.Elements(0, 1, 2)
            select (messages, segment, keepAlives);

        FuzzSettings.Check(scenario, input =>
        {
            var keepAlive = input.keepAlives switch { 1 => "\r\n"u8.ToArray(), 2 => "\r\n\r\n"u8.ToArray(), _ => [] };
            var stream = input.messages.SelectMany(m => keepAlive.Concat(SipMessageWriter.Write(m))).ToArray();
            var framer = new SipStreamFramer();
            var received = new List<SipMessage>();
            for (var offset = 0; offset < stream.Length; offset += input.segment)
            {
                framer.Append(stream.AsSpan(offset, Math.Min(input.segment, stream.Length - offset)));
                while (framer.TryRead(out var frame))
                {
                    if (frame.Kind == SipStreamFrameKind.Message)
                    {
                        received.Add(SipMessageParser.Parse(frame.Message, SipFraming.Stream));
                    }
                }
            }

            return framer.BufferedBytes == 0
                && received.Count == input.messages.Count
                && received.Zip(input.messages).All(pair => MessageAssert.AreEqual(pair.Second, pair.First));
        });
    }

    [Fact]
    public void Stream_framer_never_throws_anything_but_parse_errors_on_mutated_streams()
    {
        FuzzSettings.Check(MutatedMessages, bytes => FuzzSettings.CompletesQuickly(() =>
        {
            var framer = new SipStreamFramer();
            try
            {
                framer.Append(bytes);
                while (framer.TryRead(out var frame))
                {
                    if (frame.Kind == SipStreamFrameKind.Message)
                    {
                        SipMessageParser.Parse(frame.Message, SipFraming.Stream);
                    }
                }
            }
            catch (SipParseException)
            {
            }
        }));
    }

    private static readonly string[] SoupLines =
    [
        "INVITE sip:a@b SIP/2.0", "SIP/2.0 200 OK", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "v: SIP/2.0/TCP [::1", "From: <sip:a@b>;tag=1",
        "To: \"x <sip:b@c>", "t: sip:b@c", "Call-ID: x@y", "CSeq: 1 INVITE", "CSeq: 99999999999 INVITE", "Content-Length: 5",
        "l: 99999999999", "Content-Type: application/sdp", " folded", "\t", "", "Contact: *", "m: <sip:x@y>;expires=", "Route: <sip:p;lr>,",
        "Max-Forwards: 70", "Via: SIP/2.0/UDP h;rport;received=", "From: \"\\\" <sip:a@b>", "To: <tel:+1;p=>", "Record-Route: ,,,",
    ];

    private static Gen<byte[]> MutatedMessages =>
        from message in SipGenerators.Message
        let bytes = SipMessageWriter.Write(message)
        from mutations in Gen.Choose(1, 6)
        from operations in Gen.ListOf(Mutation, mutations)
        select operations.Aggregate(bytes, (current, mutate) => mutate(current));

    private static Gen<Func<byte[], byte[]>> Mutation =>
        from kind in Gen.Choose(0, 5)
        from position in Gen.Choose(0, int.MaxValue)
        from value in Gen.Elements((byte)':', (byte)';', (byte)'<', (byte)'>', (byte)'"', (byte)'\r', (byte)'\n', (byte)' ', (byte)'\t', (byte)',', (byte)'@', (byte)'=', (byte)0, (byte)0xFF, (byte)'9', (byte)'%', (byte)'[')
        from length in Gen.Choose(1, 64)
        select (Func<byte[], byte[]>)(bytes => Mutate(bytes, kind, position, value, length));

    private static byte[] Mutate(byte[] bytes, int kind, int position, byte value, int length)
    {
        if (bytes.Length == 0)
        {
            return [value];
        }

        var at = position % bytes.Length;
        var list = bytes.ToList();
        switch (kind)
        {
            case 0:
                list[at] = value;
                break;
            case 1:
                list.Insert(at, value);
                break;
            case 2:
                list.RemoveRange(at, Math.Min(length, list.Count - at));
                break;
            case 3:
                list.InsertRange(at, Enumerable.Repeat(value, length));
                break;
            case 4:
                var end = Math.Min(at + length, list.Count);
                list.InsertRange(at, list.GetRange(at, end - at));
                break;
            default:
                list.RemoveRange(at, list.Count - at);
                break;
        }

        return [.. list];
    }

    private static bool ParsesOrRejectsQuickly(byte[] bytes) => FuzzSettings.CompletesQuickly(() =>
    {
        try
        {
            var message = SipMessageParser.Parse(bytes);
            TouchTypedHeaders(message);
        }
        catch (SipParseException)
        {
        }
    });

    /// <summary>Typed accessors of an accepted message must not throw at all: the parser validated them.</summary>
    private static void TouchTypedHeaders(SipMessage message)
    {
        _ = message.Vias;
        _ = message.TopVia;
        _ = message.From;
        _ = message.To;
        _ = message.CSeq;
        _ = message.Contacts;
        _ = message.Routes;
        _ = message.RecordRoutes;
        _ = message.MaxForwards;
        _ = SipMessageWriter.Write(message);
    }

    private static SipMessage WithoutContentLength(SipMessage message)
    {
        var copy = message switch
        {
            SipRequest request => (SipMessage)request.Clone(),
            SipResponse response => response.Clone(),
            _ => throw new ArgumentException("Unknown message"),
        };
        copy.Headers.Remove(SipHeaderNames.ContentLength);
        return copy;
    }
}
