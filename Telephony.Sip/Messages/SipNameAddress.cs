using System.Text;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>
/// A name-addr or addr-spec with header parameters, as in From, To, Contact, Route, Record-Route,
/// Refer-To (RFC 3261 §20.10, §20.20, §20.39, §25.1). In an addr-spec without angle brackets,
/// everything after the first ';' belongs to the header, not to the URI (§20.10).
/// </summary>
public sealed record SipNameAddress
{
    public string? DisplayName { get; init; }

    public required SipUri Uri { get; init; }

    public SipParameters Parameters { get; init; } = SipParameters.Empty;

    /// <summary>The dialog tag of a From or To header (§19.3).</summary>
    public string? Tag => Parameters.Get("tag");

    public SipNameAddress WithTag(string tag) => this with { Parameters = Parameters.With("tag", tag) };

    public SipNameAddress WithParameter(string name, string? value) => this with { Parameters = Parameters.With(name, value) };

    public static SipNameAddress Parse(string value, string headerName = "address")
    {
        var text = value.Trim(SipGrammar.WhitespaceChars);
        string? displayName = null;
        var position = 0;
        SipUri uri;
        var angle = IndexOfAngleOutsideQuotes(text);
        if (angle >= 0)
        {
            if (text.Length > 0 && text[0] == '"')
            {
                var quoted = SipParameters.ReadQuotedString(text, ref position, headerName);
                displayName = SipParameters.Unquote(quoted);
                SipParameters.SkipWhitespace(text, ref position);
                if (position != angle)
                {
                    throw SipParameters.Invalid(headerName, "display name");
                }
            }
            else
            {
                var tokens = text.AsSpan(0, angle).Trim(" \t");
                foreach (var c in tokens)
                {
                    if (!SipGrammar.IsTokenChar(c) && !SipGrammar.IsWhitespace(c))
                    {
                        throw SipParameters.Invalid(headerName, "display name");
                    }
                }

                displayName = tokens.IsEmpty ? null : tokens.ToString();
            }

            var close = text.IndexOf('>', angle + 1);
            if (close < 0)
            {
                throw SipParameters.Invalid(headerName, "address");
            }

            uri = ParseUri(text[(angle + 1)..close], headerName);
            position = close + 1;
        }
        else
        {
            // addr-spec: the URI stops at the first ';' (its parameters would be ambiguous otherwise).
            var end = text.AsSpan().IndexOfAny(";, \t");
            if (end < 0)
            {
                end = text.Length;
            }

            uri = ParseUri(text[..end], headerName);
            position = end;
        }

        var parameters = SipParameters.ParseHeaderParameters(text, ref position, headerName);
        SipParameters.SkipWhitespace(text, ref position);
        if (position != text.Length)
        {
            throw SipParameters.Invalid(headerName, "address");
        }

        return new SipNameAddress { DisplayName = displayName, Uri = uri, Parameters = parameters };
    }

    /// <summary>Always writes the name-addr form so that URI parameters and header parameters stay apart.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        if (DisplayName is not null)
        {
            builder.Append(SipGrammar.Quote(DisplayName)).Append(' ');
        }

        builder.Append('<').Append(Uri).Append('>');
        Parameters.AppendTo(builder);
        return builder.ToString();
    }

    private static SipUri ParseUri(string text, string headerName)
    {
        try
        {
            return SipUri.Parse(text);
        }
        catch (SipParseException exception)
        {
            // A scheme we do not handle is a bad header here, not a reason for 416 (that is for the Request-URI).
            var what = exception.Error == SipParseError.UnsupportedUriScheme ? "Unsupported URI scheme" : "Invalid URI";
            throw new SipParseException(SipParseError.InvalidHeaderValue, $"{what} in {headerName} header");
        }
    }

    private static int IndexOfAngleOutsideQuotes(string text)
    {
        var inQuotes = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
            }
            else if (c == '"')
            {
                inQuotes = true;
            }
            else if (c == '<')
            {
                return i;
            }
        }

        return -1;
    }
}
