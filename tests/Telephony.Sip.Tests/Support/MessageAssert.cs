using CallCenter.Telephony.Sip.Messages;

namespace CallCenter.Telephony.Sip.Tests.Support;

/// <summary>Structural equality of messages: start line, header rows in order, body bytes.</summary>
internal static class MessageAssert
{
    public static bool AreEqual(SipMessage expected, SipMessage actual)
    {
        var startLineEqual = (expected, actual) switch
        {
            (SipRequest e, SipRequest a) => e.Method == a.Method && e.RequestUri.Equals(a.RequestUri),
            (SipResponse e, SipResponse a) => e.StatusCode == a.StatusCode && e.ReasonPhrase == a.ReasonPhrase,
            _ => false,
        };
        return startLineEqual
            && expected.Headers.SequenceEqual(actual.Headers)
            && expected.Body.Span.SequenceEqual(actual.Body.Span);
    }

    public static void Equal(SipMessage expected, SipMessage actual)
    {
        Assert.Equal(expected.ToString(), actual.ToString());
        Assert.Equal(expected.Headers.Select(h => h.ToString()), actual.Headers.Select(h => h.ToString()));
        Assert.Equal(expected.Body.ToArray(), actual.Body.ToArray());
        Assert.True(AreEqual(expected, actual));
    }
}
