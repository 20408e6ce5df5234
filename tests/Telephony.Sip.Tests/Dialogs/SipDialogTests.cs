using System.Text;
using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;
using CallCenter.Telephony.Sip.Transactions;

namespace CallCenter.Telephony.Sip.Tests.Dialogs;

public sealed class SipDialogTests
{
    private static readonly SipVia OurVia = SipVia.Parse("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKours;rport");
    private static readonly SipNameAddress OurContact = SipNameAddress.Parse("<sip:gateway@127.0.0.1:5060>");

    /// <summary>The baresip INVITE as it reaches us through two record-routing proxies.</summary>
    private static SipRequest ProxiedInvite()
    {
        var invite = SipMessageParser.ParseRequest(Encoding.UTF8.GetBytes(SampleMessages.BaresipInvite));
        invite.Headers.AddFirst(SipHeaderNames.RecordRoute, "<sip:p2.example.com;lr>");
        invite.Headers.AddFirst(SipHeaderNames.RecordRoute, "<sip:p1.example.com;lr>");
        return invite;
    }

    private static SipResponse Answer(SipRequest invite, int status = SipStatusCodes.Ok)
    {
        var response = SipResponse.CreateFor(invite, status, "gw-tag");
        response.Headers.CopyFrom(invite.Headers, SipHeaderNames.RecordRoute);
        response.Headers.Add(SipHeaderNames.Contact, OurContact.ToString());
        return response;
    }

    [Fact]
    public void Uas_dialog_takes_route_set_in_order_and_target_from_the_request_contact()
    {
        var invite = ProxiedInvite();

        var dialog = SipDialog.CreateAsUas(invite, Answer(invite));

        Assert.Equal(new SipDialogId("0f6c1b5e2d9a8c47", "gw-tag", "5d2c8a6e4b1f7c93"), dialog.Id);
        Assert.Equal(SipDialogState.Confirmed, dialog.State);
        Assert.Equal(["p1.example.com", "p2.example.com"], dialog.RouteSet.Select(r => r.Uri.Host));
        Assert.Equal("alice-0x55e0a8c3f2a0", dialog.RemoteTarget.User);
        Assert.Equal(20812, dialog.RemoteSequence);
        Assert.Null(dialog.LocalSequence);
        Assert.Equal(dialog.Id, SipDialogId.ForIncomingRequest(InDialogRequestFrom(invite, SipMethods.Bye, 20813)));
    }

    [Fact]
    public void Bye_from_uas_follows_the_route_set_with_swapped_tags()
    {
        var invite = ProxiedInvite();
        var dialog = SipDialog.CreateAsUas(invite, Answer(invite));

        var bye = dialog.CreateRequest(SipMethods.Bye, OurVia);

        Assert.Equal(dialog.RemoteTarget, bye.RequestUri);
        Assert.Equal(["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"], bye.Headers.GetAll(SipHeaderNames.Route));
        Assert.Equal("gw-tag", bye.From!.Tag);
        Assert.Equal("agent1", bye.From.Uri.User);
        Assert.Equal("5d2c8a6e4b1f7c93", bye.To!.Tag);
        Assert.Equal("Alice", bye.To.DisplayName);
        Assert.Equal(invite.CallId, bye.CallId);
        Assert.Equal(SipMethods.Bye, bye.CSeq!.Value.Method);
        Assert.Equal(SipDialogState.Terminated, dialog.State);
        Assert.IsType<SipRequest>(SipMessageParser.Parse(SipMessageWriter.Write(bye)));
    }

    [Fact]
    public void Uac_dialog_reverses_record_route_and_counts_cseq_up()
    {
        var invite = TestRequests.Create(SipMethods.Invite);
        invite.CSeq = new SipCSeq(100, SipMethods.Invite);
        var ok = SipResponse.CreateFor(invite, SipStatusCodes.Ok, "callee-tag");
        ok.Headers.Add(SipHeaderNames.RecordRoute, "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>");
        ok.Headers.Add(SipHeaderNames.Contact, "<sip:agent1@192.0.2.30:5080>");

        var dialog = SipDialog.CreateAsUac(invite, ok);
        var ack = dialog.CreateAck(100, OurVia);
        var reInvite = dialog.CreateRequest(SipMethods.Invite, OurVia, OurContact);
        var info = dialog.CreateRequest(SipMethods.Info, OurVia);

        Assert.Equal(new SipDialogId("call-1@192.0.2.10", "from1", "callee-tag"), dialog.Id);
        Assert.Equal(dialog.Id, SipDialogId.ForIncomingResponse(ok));
        Assert.Equal(["p2.example.com", "p1.example.com"], dialog.RouteSet.Select(r => r.Uri.Host));
        Assert.Equal(new SipCSeq(100, SipMethods.Ack), ack.CSeq);
        Assert.Equal("192.0.2.30", ack.RequestUri.Host);
        Assert.Equal(new SipCSeq(101, SipMethods.Invite), reInvite.CSeq);
        Assert.Equal(OurContact, Assert.Single(reInvite.Contacts));
        Assert.Equal(102, info.CSeq!.Value.Number);
        Assert.Equal("callee-tag", info.To!.Tag);
    }

    [Fact]
    public void Strict_router_becomes_the_request_uri_and_the_target_the_last_route()
    {
        var invite = TestRequests.Create(SipMethods.Invite);
        var ok = SipResponse.CreateFor(invite, SipStatusCodes.Ok, "t");
        ok.Headers.Add(SipHeaderNames.RecordRoute, "<sip:strict.example.com>");
        ok.Headers.Add(SipHeaderNames.Contact, "<sip:agent1@192.0.2.30>");
        var dialog = SipDialog.CreateAsUac(invite, ok);

        var bye = dialog.CreateRequest(SipMethods.Bye, OurVia);

        Assert.Equal("strict.example.com", bye.RequestUri.Host);
        Assert.Equal("<sip:agent1@192.0.2.30>", Assert.Single(bye.Headers.GetAll(SipHeaderNames.Route)));
    }

    [Fact]
    public void Remote_cseq_must_not_go_backwards_and_target_refresh_moves_the_target()
    {
        var invite = ProxiedInvite();
        var dialog = SipDialog.CreateAsUas(invite, Answer(invite));
        var reInvite = InDialogRequestFrom(invite, SipMethods.Invite, 20813);
        reInvite.Headers.Set(SipHeaderNames.Contact, "<sip:alice@192.0.2.77:5099>");

        Assert.Equal(SipDialogRequestVerdict.Accepted, dialog.ReceiveRequest(reInvite));
        Assert.Equal("192.0.2.77", dialog.RemoteTarget.Host);
        Assert.Equal(SipDialogRequestVerdict.Accepted, dialog.ReceiveRequest(InDialogRequestFrom(invite, SipMethods.Ack, 20813)));
        Assert.Equal(SipDialogRequestVerdict.OutOfOrder, dialog.ReceiveRequest(InDialogRequestFrom(invite, SipMethods.Info, 20812)));
        Assert.Equal(SipDialogRequestVerdict.Accepted, dialog.ReceiveRequest(InDialogRequestFrom(invite, SipMethods.Bye, 20814)));
        Assert.Equal(SipDialogState.Terminated, dialog.State);
        Assert.Equal(SipDialogRequestVerdict.NoDialog, dialog.ReceiveRequest(InDialogRequestFrom(invite, SipMethods.Bye, 20815)));
    }

    [Fact]
    public void Early_dialog_is_confirmed_by_2xx_or_ended_by_failure()
    {
        var invite = TestRequests.Create(SipMethods.Invite);
        var ringing = SipResponse.CreateFor(invite, SipStatusCodes.Ringing, "t");
        ringing.Headers.Add(SipHeaderNames.Contact, "<sip:agent1@192.0.2.30>");
        var ok = SipResponse.CreateFor(invite, SipStatusCodes.Ok, "t");
        ok.Headers.Add(SipHeaderNames.Contact, "<sip:agent1@192.0.2.31>");
        ok.Headers.Add(SipHeaderNames.RecordRoute, "<sip:p.example.com;lr>");

        var confirmed = SipDialog.CreateAsUac(invite, ringing);
        Assert.Equal(SipDialogState.Early, confirmed.State);
        confirmed.ReceiveResponse(ok, isUac: true);
        var failed = SipDialog.CreateAsUac(invite, ringing);
        failed.ReceiveResponse(SipResponse.CreateFor(invite, SipStatusCodes.BusyHere, "t"), isUac: true);

        Assert.Equal(SipDialogState.Confirmed, confirmed.State);
        Assert.Equal("192.0.2.31", confirmed.RemoteTarget.Host);
        Assert.Single(confirmed.RouteSet);
        Assert.Equal(SipDialogState.Terminated, failed.State);
        Assert.Throws<ArgumentException>(() => SipDialog.CreateAsUac(invite, SipResponse.CreateFor(invite, SipStatusCodes.BusyHere, "t")));
        Assert.False(SipDialog.IsLegalTransition(SipDialogState.Confirmed, SipDialogState.Early));
    }

    [Fact]
    public void Replaces_parses_and_names_the_recipients_dialog()
    {
        var replaces = SipReplaces.Parse("98732@sip.example.com ; from-tag=r33th4x0r;to-tag=ff87ff;early-only");

        Assert.Equal("98732@sip.example.com", replaces.CallId);
        Assert.Equal("ff87ff", replaces.ToTag);
        Assert.Equal("r33th4x0r", replaces.FromTag);
        Assert.True(replaces.EarlyOnly);
        Assert.Equal(new SipDialogId("98732@sip.example.com", "ff87ff", "r33th4x0r"), replaces.DialogAtRecipient);
        Assert.Equal(replaces, SipReplaces.Parse(replaces.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc;to-tag=1")]
    [InlineData("abc;from-tag=1")]
    [InlineData("a b;to-tag=1;from-tag=2")]
    public void Malformed_replaces_is_a_parse_error(string value)
    {
        Assert.Throws<SipParseException>(() => SipReplaces.Parse(value));
    }

    [Fact]
    public void Refer_to_carries_an_escaped_replaces_for_attended_transfer()
    {
        var invite = ProxiedInvite();
        var dialog = SipDialog.CreateAsUas(invite, Answer(invite));
        var consultation = new SipReplaces("consult-1@127.0.0.1", "agent-tag", "queue-tag");

        var refer = dialog.CreateRefer(OurVia, SipReferTo.Create(SipUri.Parse("sip:agent2@127.0.0.1:5070"), consultation), OurContact);
        var reparsed = SipMessageParser.ParseRequest(SipMessageWriter.Write(refer));
        var referTo = SipReferTo.Parse(reparsed.Headers.Get("r")!);

        Assert.Contains("?Replaces=consult-1%40127.0.0.1%3Bto-tag%3Dagent-tag%3Bfrom-tag%3Dqueue-tag", refer.Headers.Get(SipHeaderNames.ReferTo), StringComparison.Ordinal);
        Assert.Equal("agent2", referTo.Address.Uri.User);
        Assert.Equal(consultation, referTo.Replaces);
        Assert.Equal(SipMethods.Refer, reparsed.Method);
    }

    [Fact]
    public void Blind_refer_to_has_no_replaces()
    {
        var referTo = SipReferTo.Parse("\"Agent 2\" <sip:agent2@127.0.0.1>");

        Assert.Null(referTo.Replaces);
        Assert.Equal("Agent 2", referTo.Address.DisplayName);
    }

    /// <summary>A request from the caller inside the dialog: From with its tag, To with ours.</summary>
    private static SipRequest InDialogRequestFrom(SipRequest invite, string method, long cseq)
    {
        var request = new SipRequest(method, SipUri.Parse("sip:gateway@127.0.0.1:5060"));
        request.Headers.Add(SipHeaderNames.Via, $"SIP/2.0/UDP 127.0.0.1:41773;branch={SipTransactionLayer.NewBranch()}");
        request.Headers.CopyFrom(invite.Headers, SipHeaderNames.From);
        request.To = invite.To!.WithTag("gw-tag");
        request.CallId = invite.CallId;
        request.CSeq = new SipCSeq(cseq, method);
        return request;
    }
}
