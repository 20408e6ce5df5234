using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transactions;

namespace CallCenter.Telephony.Sip.Tests.Support;

internal static class TestRequests
{
    public static SipRequest Create(string method, string? branch = null, string sentBy = "192.0.2.10:5062", bool rport = false, string cseqMethod = "")
    {
        var request = new SipRequest(method, SipUri.Parse("sip:agent1@127.0.0.1:5060"));
        var via = $"SIP/2.0/UDP {sentBy};branch={branch ?? SipTransactionLayer.NewBranch()}" + (rport ? ";rport" : "");
        request.Headers.Add(SipHeaderNames.Via, via);
        request.Headers.Add(SipHeaderNames.MaxForwards, "70");
        request.Headers.Add(SipHeaderNames.From, "\"Caller\" <sip:caller@192.0.2.10>;tag=from1");
        request.Headers.Add(SipHeaderNames.To, "<sip:agent1@127.0.0.1>");
        request.Headers.Add(SipHeaderNames.CallId, "call-1@192.0.2.10");
        request.CSeq = new SipCSeq(1, cseqMethod.Length > 0 ? cseqMethod : method);
        request.Headers.Add(SipHeaderNames.Contact, "<sip:caller@192.0.2.10:5062>");
        return request;
    }

    public static SipRequest CancelFor(SipRequest invite) => InviteClientTransaction.CreateCancel(invite);

    public static SipResponse ResponseTo(SipRequest request, int status, string toTag = "to1") =>
        SipResponse.CreateFor(request, status, toTag);
}
