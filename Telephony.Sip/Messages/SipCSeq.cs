using System.Globalization;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number must be below 2**31 (§8.1.1.5).</summary>
public readonly record struct SipCSeq(long Number, string Method)
{
    public const long MaxNumber = int.MaxValue;
    private const int MaxDigits = 10;

    public static SipCSeq Parse(string value)
    {
        var text = value.AsSpan().Trim(" \t");
        var space = text.IndexOfAny(' ', '\t');
        if (space <= 0)
        {
            throw SipParameters.Invalid(SipHeaderNames.CSeq, "value");
        }

        var digits = text[..space];
        var method = text[space..].TrimStart(" \t");
        if (digits.Length > MaxDigits || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > MaxNumber)
        {
            throw SipParameters.Invalid(SipHeaderNames.CSeq, "sequence number");
        }

        if (!SipGrammar.IsToken(method))
        {
            throw SipParameters.Invalid(SipHeaderNames.CSeq, "method");
        }

        return new SipCSeq(number, method.ToString());
    }

    public override string ToString() => $"{Number.ToString(CultureInfo.InvariantCulture)} {Method}";
}
