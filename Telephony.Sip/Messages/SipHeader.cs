namespace CallCenter.Telephony.Sip.Messages;

/// <summary>One header field row as it appears in a message: canonical name, unfolded and trimmed value.</summary>
public readonly record struct SipHeader(string Name, string Value)
{
    public override string ToString() => $"{Name}: {Value}";
}
