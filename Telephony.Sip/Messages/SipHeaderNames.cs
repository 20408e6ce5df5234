using System.Collections.Frozen;

namespace CallCenter.Telephony.Sip.Messages;

/// <summary>
/// Canonical header field names and their compact forms (RFC 3261 §7.3.3 and the extension RFCs that
/// assigned letters). Names are case-insensitive (§7.3.1); the parser stores the canonical spelling.
/// </summary>
public static class SipHeaderNames
{
    public const string Accept = "Accept";
    public const string AcceptContact = "Accept-Contact";
    public const string AllowEvents = "Allow-Events";
    public const string Allow = "Allow";
    public const string Authorization = "Authorization";
    public const string CallId = "Call-ID";
    public const string Contact = "Contact";
    public const string ContentEncoding = "Content-Encoding";
    public const string ContentLength = "Content-Length";
    public const string ContentType = "Content-Type";
    public const string CSeq = "CSeq";
    public const string Event = "Event";
    public const string Expires = "Expires";
    public const string From = "From";
    public const string Identity = "Identity";
    public const string MaxForwards = "Max-Forwards";
    public const string ProxyAuthenticate = "Proxy-Authenticate";
    public const string ProxyAuthorization = "Proxy-Authorization";
    public const string RecordRoute = "Record-Route";
    public const string ReferTo = "Refer-To";
    public const string ReferredBy = "Referred-By";
    public const string RejectContact = "Reject-Contact";
    public const string Replaces = "Replaces";
    public const string RequestDisposition = "Request-Disposition";
    public const string Require = "Require";
    public const string RetryAfter = "Retry-After";
    public const string Route = "Route";
    public const string Server = "Server";
    public const string SessionExpires = "Session-Expires";
    public const string Subject = "Subject";
    public const string Supported = "Supported";
    public const string Timestamp = "Timestamp";
    public const string To = "To";
    public const string Unsupported = "Unsupported";
    public const string UserAgent = "User-Agent";
    public const string Via = "Via";
    public const string WwwAuthenticate = "WWW-Authenticate";

    private static readonly FrozenDictionary<string, string> CompactForms = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // RFC 3261 §7.3.3
        ["i"] = CallId,
        ["m"] = Contact,
        ["e"] = ContentEncoding,
        ["l"] = ContentLength,
        ["c"] = ContentType,
        ["f"] = From,
        ["s"] = Subject,
        ["k"] = Supported,
        ["t"] = To,
        ["v"] = Via,
        // RFC 6665 (Event, Allow-Events), RFC 3515 (Refer-To), RFC 3892 (Referred-By),
        // RFC 3841 (Accept-/Reject-Contact, Request-Disposition), RFC 4028 (Session-Expires), RFC 8224 (Identity)
        ["o"] = Event,
        ["u"] = AllowEvents,
        ["r"] = ReferTo,
        ["b"] = ReferredBy,
        ["a"] = AcceptContact,
        ["j"] = RejectContact,
        ["d"] = RequestDisposition,
        ["x"] = SessionExpires,
        ["y"] = Identity,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string> KnownNames = new[]
    {
        Accept, AcceptContact, AllowEvents, Allow, Authorization, CallId, Contact, ContentEncoding, ContentLength,
        ContentType, CSeq, Event, Expires, From, Identity, MaxForwards, ProxyAuthenticate, ProxyAuthorization,
        RecordRoute, ReferTo, ReferredBy, RejectContact, Replaces, RequestDisposition, Require, RetryAfter, Route,
        Server, SessionExpires, Subject, Supported, Timestamp, To, Unsupported, UserAgent, Via, WwwAuthenticate,
    }.ToFrozenDictionary(name => name, name => name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Headers whose value is a comma-separated list that may equally be split over several rows (§7.3.1).
    /// Headers such as WWW-Authenticate or Date contain commas but are not lists.
    /// </summary>
    private static readonly FrozenSet<string> ListHeaders = new[]
    {
        Via, Route, RecordRoute, Contact, Allow, Supported, Require, Unsupported, AllowEvents, Accept,
        ContentEncoding, AcceptContact, RejectContact,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The canonical spelling of a header name: compact forms expanded, known names re-cased.</summary>
    public static string Canonicalize(string name)
    {
        if (CompactForms.TryGetValue(name, out var full))
        {
            return full;
        }

        return KnownNames.TryGetValue(name, out var known) ? known : name;
    }

    public static bool IsCompactForm(string name) => CompactForms.ContainsKey(name);

    public static bool IsList(string name) => ListHeaders.Contains(Canonicalize(name));

    public static bool AreEqual(string left, string right) =>
        string.Equals(Canonicalize(left), Canonicalize(right), StringComparison.OrdinalIgnoreCase);
}
