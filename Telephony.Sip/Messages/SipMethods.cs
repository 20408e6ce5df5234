namespace CallCenter.Telephony.Sip.Messages;

/// <summary>Request methods (RFC 3261 §7.1 and extensions). Methods are case-sensitive tokens.</summary>
public static class SipMethods
{
    public const string Invite = "INVITE";
    public const string Ack = "ACK";
    public const string Bye = "BYE";
    public const string Cancel = "CANCEL";
    public const string Options = "OPTIONS";
    public const string Register = "REGISTER";
    public const string Info = "INFO";
    public const string Update = "UPDATE";
    public const string Prack = "PRACK";
    public const string Refer = "REFER";
    public const string Notify = "NOTIFY";
    public const string Subscribe = "SUBSCRIBE";
    public const string Message = "MESSAGE";

    /// <summary>Requests that replace the remote target of a dialog (RFC 3261 §12.2; RFC 3311; RFC 6665).</summary>
    public static bool IsTargetRefresh(string method) =>
        method is Invite or Update or Subscribe or Notify or Refer;
}
