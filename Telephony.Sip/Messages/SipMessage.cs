using System.Globalization;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>
/// What requests and responses share (RFC 3261 §7): header rows and a body. Typed accessors parse the
/// rows on demand and throw <see cref="SipParseException"/> when a row is malformed; messages produced
/// by <see cref="SipMessageParser"/> have had their mandatory headers checked already.
/// </summary>
public abstract class SipMessage
{
    public const string Version = "SIP/2.0";

    public SipHeaderCollection Headers { get; private protected init; } = new();

    /// <summary>The message body; Content-Length is written from its length (§20.14).</summary>
    public ReadOnlyMemory<byte> Body { get; set; } = ReadOnlyMemory<byte>.Empty;

    public string? CallId
    {
        get => Headers.Get(SipHeaderNames.CallId);
        set => SetOrRemove(SipHeaderNames.CallId, value);
    }

    public SipNameAddress? From
    {
        get => Headers.Get(SipHeaderNames.From) is { } value ? SipNameAddress.Parse(value, SipHeaderNames.From) : null;
        set => SetOrRemove(SipHeaderNames.From, value?.ToString());
    }

    public SipNameAddress? To
    {
        get => Headers.Get(SipHeaderNames.To) is { } value ? SipNameAddress.Parse(value, SipHeaderNames.To) : null;
        set => SetOrRemove(SipHeaderNames.To, value?.ToString());
    }

    public SipCSeq? CSeq
    {
        get => Headers.Get(SipHeaderNames.CSeq) is { } value ? SipCSeq.Parse(value) : null;
        set => SetOrRemove(SipHeaderNames.CSeq, value?.ToString());
    }

    /// <summary>All Via values, top (most recent hop) first.</summary>
    public IReadOnlyList<SipVia> Vias => Headers.GetListValues(SipHeaderNames.Via).Select(SipVia.Parse).ToArray();

    public SipVia? TopVia => Headers.GetListValues(SipHeaderNames.Via) is { Count: > 0 } vias ? SipVia.Parse(vias[0]) : null;

    /// <summary>Contact values; a wildcard "*" (REGISTER only, §10.2.2) yields no entries.</summary>
    public IReadOnlyList<SipNameAddress> Contacts => ParseAddressList(SipHeaderNames.Contact);

    public IReadOnlyList<SipNameAddress> RecordRoutes => ParseAddressList(SipHeaderNames.RecordRoute);

    public IReadOnlyList<SipNameAddress> Routes => ParseAddressList(SipHeaderNames.Route);

    public string? ContentType
    {
        get => Headers.Get(SipHeaderNames.ContentType);
        set => SetOrRemove(SipHeaderNames.ContentType, value);
    }

    public int? MaxForwards
    {
        get => Headers.Get(SipHeaderNames.MaxForwards) is { } value ? ParseNumber(value, SipHeaderNames.MaxForwards) : null;
        set => SetOrRemove(SipHeaderNames.MaxForwards, value?.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Sets the body together with its Content-Type (§7.4.1: a non-empty body needs one).</summary>
    public void SetBody(ReadOnlyMemory<byte> body, string? contentType)
    {
        Body = body;
        ContentType = body.IsEmpty ? null : contentType;
    }

    private IReadOnlyList<SipNameAddress> ParseAddressList(string name)
    {
        var values = Headers.GetListValues(name);
        var addresses = new List<SipNameAddress>(values.Count);
        foreach (var value in values)
        {
            if (value != "*")
            {
                addresses.Add(SipNameAddress.Parse(value, name));
            }
        }

        return addresses;
    }

    private void SetOrRemove(string name, string? value)
    {
        if (value is null)
        {
            Headers.Remove(name);
        }
        else
        {
            Headers.Set(name, value);
        }
    }

    internal static int ParseNumber(string value, string headerName)
    {
        const int maxDigits = 9;
        if (value.Length is 0 or > maxDigits || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw SipParameters.Invalid(headerName, "number");
        }

        return number;
    }
}
