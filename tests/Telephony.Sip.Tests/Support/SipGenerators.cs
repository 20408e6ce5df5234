using System.Globalization;
using System.Text;
using CallCenter.Telephony.Sip.Messages;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Sip.Tests.Support;

/// <summary>Generators of valid, canonical SIP messages and their parts.</summary>
internal static class SipGenerators
{
    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string TokenMarks = "-.!%*_+`'~";
    private const string UnreservedMarks = "-_.!~*'()";

    public static Gen<string> StringOf(string alphabet, int minLength, int maxLength) =>
        from length in Gen.Choose(minLength, maxLength)
        from chars in Gen.ArrayOf(Gen.Elements(alphabet.ToCharArray()), length)
        select new string(chars);

    public static Gen<string> Token => StringOf(Alphanumerics + TokenMarks, 1, 12);

    public static Gen<string> AlphaToken => StringOf(Alphanumerics, 1, 12);

    public static Gen<string> Method => Gen.OneOf(
        Gen.Elements(SipMethods.Invite, SipMethods.Bye, SipMethods.Options, SipMethods.Register, SipMethods.Info, SipMethods.Refer, SipMethods.Cancel, SipMethods.Ack),
        StringOf("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 10));

    public static Gen<string> HostName =>
        from count in Gen.Choose(1, 3)
        from labels in Gen.ListOf(StringOf("abcdefghijklmnopqrstuvwxyz0123456789", 1, 8), count)
        select string.Join('.', labels);

    public static Gen<string> IPv4 =>
        from parts in Gen.ArrayOf(Gen.Choose(0, 255), 4)
        select string.Join('.', parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));

    public static Gen<string> IPv6 => Gen.Elements("[::1]", "[2001:db8::10]", "[fe80::1:2:3:4]", "[::ffff:192.0.2.1]");

    public static Gen<string> Host => Gen.OneOf(HostName, IPv4, IPv6);

    public static Gen<int?> Port => Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1, 65535).Select(p => (int?)p));

    public static Gen<SipParameters> UriParameters =>
        from count in Gen.Choose(0, 3)
        from items in Gen.ArrayOf(
            from name in AlphaToken
            from value in Gen.OneOf(Gen.Constant<string?>(null), StringOf(Alphanumerics + UnreservedMarks + "[]/:&+$", 1, 10).Select(v => (string?)v))
            select new SipParameter(name, value), count)
        select SipParameters.Of(Distinct(items));

    public static Gen<SipParameters> HeaderParameters =>
        from count in Gen.Choose(0, 3)
        from items in Gen.ArrayOf(
            from name in Token
            from value in Gen.OneOf(
                Gen.Constant<string?>(null),
                Token.Select(v => (string?)v),
                QuotedText.Select(v => (string?)SipGrammar.Quote(v)))
            select new SipParameter(name, value), count)
        select SipParameters.Of(Distinct(items));

    /// <summary>Printable text including quotes, backslashes and non-ASCII letters.</summary>
    public static Gen<string> QuotedText => StringOf(Alphanumerics + " \"\\,;:<>@éü中", 0, 16);

    public static Gen<SipUri> SipUriGen =>
        from scheme in Gen.Elements(SipUriScheme.Sip, SipUriScheme.Sips)
        from user in Gen.OneOf(Gen.Constant<string?>(null), StringOf(Alphanumerics + UnreservedMarks + "&=+$,;?/", 1, 12).Select(u => (string?)u), Gen.Constant<string?>("al%20ice"))
        from password in Gen.OneOf(Gen.Constant<string?>(null), Gen.Constant<string?>(null), AlphaToken.Select(p => (string?)p))
        from host in Host
        from port in Port
        from parameters in UriParameters
        from headerCount in Gen.Choose(0, 2)
        from headers in Gen.ArrayOf(
            from name in AlphaToken
            from value in StringOf(Alphanumerics + "%40[]/?:+$", 0, 10).Select(v => v.Replace("%", "%25", StringComparison.Ordinal))
            select new KeyValuePair<string, string>(name, value), headerCount)
        select new SipUri
        {
            Scheme = scheme,
            User = user,
            Password = user is null ? null : password,
            Host = host,
            Port = port,
            Parameters = parameters,
            Headers = headers,
        };

    public static Gen<SipUri> TelUriGen =>
        from number in StringOf("0123456789-.()", 1, 12)
        from global in Gen.Elements(true, false)
        from parameters in UriParameters
        select new SipUri { Scheme = SipUriScheme.Tel, User = (global ? "+" : "") + number, Parameters = parameters };

    public static Gen<SipUri> AnyUri => Gen.Frequency((4, SipUriGen), (1, TelUriGen));

    public static Gen<SipNameAddress> NameAddress =>
        from display in Gen.OneOf(Gen.Constant<string?>(null), QuotedText.Select(d => (string?)d))
        from uri in AnyUri
        from parameters in HeaderParameters
        select new SipNameAddress { DisplayName = display, Uri = uri, Parameters = parameters };

    public static Gen<SipVia> Via =>
        from transport in Gen.Elements("UDP", "TCP", "TLS", "WS")
        from host in Host
        from port in Port
        from branch in Token
        from received in Gen.OneOf(Gen.Constant<string?>(null), IPv4.Select(r => (string?)r))
        from rport in Gen.Elements(0, 1, 2)
        from rportValue in Gen.Choose(1, 65535)
        select new SipVia
        {
            Transport = transport,
            Host = host,
            Port = port,
            Parameters = Build(SipParameters.Empty.With("branch", SipVia.MagicCookie + branch), received, rport, rportValue),
        };

    public static Gen<string> CallId =>
        from local in StringOf(Alphanumerics + "-.!%*_+`'~()<>:\\\"/[]?{}", 1, 24)
        from host in Gen.OneOf(Gen.Constant(""), HostName.Select(h => "@" + h))
        select local + host;

    public static Gen<SipHeader> ExtensionHeader =>
        from name in Token
        from value in StringOf(Alphanumerics + " ,;:=\"<>éü", 0, 30)
        select new SipHeader("X-" + name, value.Trim(' '));

    public static Gen<byte[]> Body => Gen.OneOf(
        Gen.Constant(Array.Empty<byte>()),
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
        StringOf(Alphanumerics + "\r\n =", 0, 200).Select(Encoding.UTF8.GetBytes));

    public static Gen<SipRequest> Request =>
        from method in Method
        from uri in AnyUri
        from viaCount in Gen.Choose(1, 3)
        from vias in Gen.ListOf(Via, viaCount)
        from caller in NameAddress
        from fromTag in Token
        from callee in NameAddress
        from callId in CallId
        from cseq in Gen.Choose(0, int.MaxValue)
        from maxForwards in Gen.Choose(0, 255)
        from contact in Gen.OneOf(Gen.Constant<SipNameAddress?>(null), NameAddress.Select(c => (SipNameAddress?)c))
        from extensions in Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(ExtensionHeader, n))
        from body in Body
        select BuildRequest(method, uri, vias, caller.WithTag(fromTag), callee, callId, cseq, maxForwards, contact, extensions, body);

    public static Gen<SipResponse> Response =>
        from request in Request
        from status in Gen.Choose(100, 699)
        from reason in StringOf(Alphanumerics + " -éü", 0, 20)
        from toTag in Token
        select BuildResponse(request, status, reason.Trim(' '), toTag);

    public static Gen<SipMessage> Message => Gen.OneOf(Request.Select(r => (SipMessage)r), Response.Select(r => (SipMessage)r));

    private static SipRequest BuildRequest(
        string method, SipUri uri, IEnumerable<SipVia> vias, SipNameAddress from, SipNameAddress to, string callId,
        int cseq, int maxForwards, SipNameAddress? contact, IEnumerable<SipHeader> extensions, byte[] body)
    {
        var request = new SipRequest(method, uri);
        foreach (var via in vias)
        {
            request.Headers.Add(SipHeaderNames.Via, via.ToString());
        }

        request.From = from;
        request.To = to;
        request.CallId = callId;
        request.CSeq = new SipCSeq(cseq, method);
        request.MaxForwards = maxForwards;
        if (contact is not null)
        {
            request.Headers.Add(SipHeaderNames.Contact, contact.ToString());
        }

        foreach (var header in extensions)
        {
            request.Headers.Add(header.Name, header.Value);
        }

        request.SetBody(body, "application/octet-stream");
        request.Headers.Add(SipHeaderNames.ContentLength, body.Length.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    private static SipResponse BuildResponse(SipRequest request, int status, string reason, string toTag)
    {
        var response = SipResponse.CreateFor(request, status, toTag, reason);
        response.SetBody(request.Body, "application/octet-stream");
        response.Headers.Add(SipHeaderNames.ContentLength, request.Body.Length.ToString(CultureInfo.InvariantCulture));
        return response;
    }

    private static SipParameters Build(SipParameters parameters, string? received, int rport, int rportValue)
    {
        if (received is not null)
        {
            parameters = parameters.With("received", received);
        }

        return rport switch
        {
            1 => parameters.With("rport", null),
            2 => parameters.With("rport", rportValue.ToString(CultureInfo.InvariantCulture)),
            _ => parameters,
        };
    }

    private static SipParameter[] Distinct(SipParameter[] items) =>
        items.DistinctBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToArray();
}
