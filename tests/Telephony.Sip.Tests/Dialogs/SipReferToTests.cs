using CallCenter.Telephony.Sip.Dialogs;

namespace CallCenter.Telephony.Sip.Tests.Dialogs;

/// <summary>Refer-To values an attended transfer sends (RFC 3515 §2.1, RFC 3891 §6.1), as real phones escape them.</summary>
public sealed class SipReferToTests
{
    [Theory]
    [InlineData("<sip:agent-8@127.0.0.1:5060?Replaces=consult///1f2e%40127.0.0.1%3Bto-tag%3D9a8b%3Bfrom-tag%3D27138y1>", "consult///1f2e@127.0.0.1", "9a8b", "27138y1")]
    [InlineData("<sip:agent-8@127.0.0.1:5060?Replaces=nosuch-27138-1%40127.0.0.1%3Bto-tag%3Dnone%3Bfrom-tag%3D27138y1>", "nosuch-27138-1@127.0.0.1", "none", "27138y1")]
    public void An_escaped_Replaces_in_a_Refer_To_names_the_dialog_at_the_recipient(string value, string callId, string toTag, string fromTag)
    {
        var referTo = SipReferTo.Parse(value);

        Assert.Equal(new SipDialogId(callId, toTag, fromTag), referTo.Replaces!.DialogAtRecipient);
        Assert.Equal("agent-8", referTo.Address.Uri.User);
    }
}
