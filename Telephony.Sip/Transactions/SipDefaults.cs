namespace CallCenter.Telephony.Sip.Transactions;

internal static class SipDefaults
{
    /// <summary>Max-Forwards of requests a UAC creates (§8.1.1.6).</summary>
    public const string MaxForwards = "70";
}
