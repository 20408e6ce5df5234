using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Dialogs;

/// <summary>
/// The Replaces header (RFC 3891 §6.1): the dialog a new INVITE takes over, seen from the UA that receives it —
/// to-tag is that UA's local tag and from-tag its peer's. early-only refuses to replace a confirmed dialog.
/// </summary>
public sealed record SipReplaces(string CallId, string ToTag, string FromTag, bool EarlyOnly = false)
{
    public static SipReplaces Parse(string value)
    {
        const string header = SipHeaderNames.Replaces;
        var text = value.Trim(SipGrammar.WhitespaceChars);
        var semicolon = text.IndexOf(';');
        var callId = (semicolon < 0 ? text : text[..semicolon]).Trim(SipGrammar.WhitespaceChars);
        if (callId.Length == 0 || callId.Any(c => c != '@' && !SipGrammar.IsWordChar(c)))
        {
            throw SipParameters.Invalid(header, "call-id");
        }

        var position = semicolon < 0 ? text.Length : semicolon;
        var parameters = SipParameters.ParseHeaderParameters(text, ref position, header);
        if (position != text.Length || parameters.Get("to-tag") is not { } toTag || parameters.Get("from-tag") is not { } fromTag)
        {
            throw new SipParseException(SipParseError.InvalidHeaderValue, "Replaces needs to-tag and from-tag");
        }

        return new SipReplaces(callId, toTag, fromTag, parameters.Contains("early-only"));
    }

    /// <summary>The dialog at the recipient this header names: its local tag is to-tag, its remote tag from-tag (RFC 3891 §3).</summary>
    public SipDialogId DialogAtRecipient => new(CallId, ToTag, FromTag);

    public override string ToString()
    {
        var builder = new StringBuilder(CallId).Append(";to-tag=").Append(ToTag).Append(";from-tag=").Append(FromTag);
        if (EarlyOnly)
        {
            builder.Append(";early-only");
        }

        return builder.ToString();
    }
}

/// <summary>The Refer-To header (RFC 3515 §2.1): where the recipient of a REFER should send its request.</summary>
public sealed record SipReferTo(SipNameAddress Address)
{
    /// <summary>A Replaces carried as a header of the Refer-To URI (RFC 3891 §5), unescaped and parsed.</summary>
    public SipReplaces? Replaces => Address.Uri.GetHeader(SipHeaderNames.Replaces) is { } value ? SipReplaces.Parse(value) : null;

    public static SipReferTo Parse(string value) => new(SipNameAddress.Parse(value, SipHeaderNames.ReferTo));

    /// <summary>A Refer-To for <paramref name="target"/>, optionally asking it to replace a dialog (attended transfer).</summary>
    public static SipReferTo Create(SipUri target, SipReplaces? replaces = null)
    {
        var uri = replaces is null
            ? target
            : target with { Headers = [.. target.Headers, new KeyValuePair<string, string>(SipHeaderNames.Replaces, EscapeHeaderValue(replaces.ToString()))] };
        return new SipReferTo(new SipNameAddress { Uri = uri });
    }

    public override string ToString() => Address.ToString();

    /// <summary>URI header values may only hold unreserved and a few marks unescaped (RFC 3261 §25.1 hvalue).</summary>
    private static string EscapeHeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAscii(c) && (SipGrammar.IsUnreserved(c) || c is '[' or ']' or '/' or '?' or ':' or '+' or '$'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
