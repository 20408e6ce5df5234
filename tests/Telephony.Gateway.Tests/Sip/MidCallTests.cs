using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Gateway.Tests.Sip.Support;
using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Sdp;

namespace CallCenter.Telephony.Gateway.Tests.Sip;

/// <summary>re-INVITE (hold/resume, RFC 3261 §14, RFC 3264 §8.4) and REFER (RFC 3515, RFC 3891) in an answered call.</summary>
public sealed class MidCallTests
{
    [Fact]
    public async Task Peer_puts_the_gateway_on_hold_with_sendonly_and_resumes_with_sendrecv()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = CallTests.AnswerEveryCall(pair.Gateway, ring: false);
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);
        var changes = new List<SdpDirection>();
        incoming[0].RemoteSdpChanged += (_, sdp) => changes.Add(TestSdp.DirectionOf(sdp));
        var firstVersion = incoming[0].LocalSdp!.Origin.SessionVersion;

        var holdAnswer = await pair.Network.PumpUntilAsync(call.ReinviteAsync(TestSdp.Offer(direction: SdpDirection.SendOnly)));
        Assert.NotNull(holdAnswer);
        Assert.Equal(SdpDirection.ReceiveOnly, TestSdp.DirectionOf(holdAnswer));
        Assert.True(holdAnswer.Origin.SessionVersion > firstVersion);

        var resumeAnswer = await pair.Network.PumpUntilAsync(call.ReinviteAsync(TestSdp.Offer(direction: SdpDirection.SendReceive)));
        Assert.NotNull(resumeAnswer);
        Assert.Equal(SdpDirection.SendReceive, TestSdp.DirectionOf(resumeAnswer));
        Assert.True(resumeAnswer.Origin.SessionVersion > holdAnswer.Origin.SessionVersion);

        Assert.Equal([SdpDirection.SendOnly, SdpDirection.SendReceive], changes);
        Assert.Equal(SdpDirection.SendReceive, TestSdp.DirectionOf(incoming[0].RemoteSdp!));
        Assert.Equal(2, pair.Network.RequestsTo(pair.EndPointOf(pair.Gateway)).Count(r => r.Method == SipMethods.Ack && r.CSeq!.Value.Number != call.Invite.CSeq!.Value.Number));
    }

    [Fact]
    public async Task Gateway_holds_the_peer_and_the_handler_answer_is_used()
    {
        await using var pair = await AgentPair.StartAsync();
        var phoneCalls = CallTests.AnswerEveryCall(pair.Phone, ring: false);
        var call = pair.GatewayCallsPhone();
        await pair.Network.PumpUntilAsync(call.Result);
        SdpSessionDescription? seen = null;
        phoneCalls[0].OnReinvite = (_, offer) =>
        {
            seen = offer;
            return TestSdp.Negotiator(77).CreateAnswer(offer, 31000).Description;
        };

        var answer = await pair.Network.PumpUntilAsync(call.ReinviteAsync(TestSdp.Offer(direction: SdpDirection.Inactive)));

        Assert.NotNull(seen);
        Assert.Equal(SdpDirection.Inactive, TestSdp.DirectionOf(seen));
        Assert.Equal(31000, answer!.Media[0].Port);
        Assert.Equal(SdpDirection.Inactive, TestSdp.DirectionOf(answer));
        Assert.Equal(SipCallState.Connected, call.State);
    }

    [Fact]
    public async Task A_refused_reinvite_returns_null_and_keeps_the_call()
    {
        await using var pair = await AgentPair.StartAsync();
        var phoneCalls = CallTests.AnswerEveryCall(pair.Phone, ring: false);
        var call = pair.GatewayCallsPhone();
        await pair.Network.PumpUntilAsync(call.Result);
        phoneCalls[0].OnReinvite = (_, _) => null!;

        var answer = await pair.Network.PumpUntilAsync(call.ReinviteAsync(TestSdp.Offer()));

        Assert.Null(answer);
        Assert.Equal(SipCallState.Connected, call.State);
        Assert.Contains(pair.Network.ResponsesTo(pair.EndPointOf(pair.Gateway)), r => r.StatusCode == 488);
    }

    [Fact]
    public async Task Blind_refer_reaches_the_handler_gets_202_and_notifies_trying_then_the_final_status()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = CallTests.AnswerEveryCall(pair.Gateway, ring: false);
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);
        ReferRequest? received = null;
        incoming[0].OnRefer = (_, refer) =>
        {
            received = refer;
            return Task.FromResult(true);
        };
        var progress = new List<int>();
        call.TransferProgress += (_, status) => progress.Add(status);
        var target = SipUri.Parse("sip:agent7@127.0.0.1:5070");

        var accepted = await pair.Network.PumpUntilAsync(call.ReferAsync(target));
        await pair.Network.PumpUntilAsync(() => progress.Count == 1);

        Assert.True(accepted);
        Assert.NotNull(received);
        Assert.Equal(target, received.Target);
        Assert.Null(received.Replaces);
        Assert.Equal([100], progress);

        var report = received.ReportAsync(200, "OK");
        await pair.Network.PumpUntilAsync(() => report.IsCompleted && progress.Count == 2);
        Assert.Equal([100, 200], progress);
        var notifies = pair.Network.RequestsTo(pair.EndPointOf(pair.Phone)).Where(r => r.Method == SipMethods.Notify).ToList();
        Assert.Equal("refer", notifies[0].Headers.Get("Event"));
        Assert.StartsWith("active", notifies[0].Headers.Get("Subscription-State"));
        Assert.StartsWith("terminated", notifies[1].Headers.Get("Subscription-State"));
        Assert.Equal("SIP/2.0 200 OK\r\n", System.Text.Encoding.UTF8.GetString(notifies[1].Body.Span));
    }

    [Fact]
    public async Task Refer_with_replaces_carries_the_dialog_to_replace()
    {
        await using var pair = await AgentPair.StartAsync();
        var phoneCalls = CallTests.AnswerEveryCall(pair.Phone, ring: false);
        var call = pair.GatewayCallsPhone();
        await pair.Network.PumpUntilAsync(call.Result);
        ReferRequest? received = null;
        phoneCalls[0].OnRefer = (_, refer) =>
        {
            received = refer;
            return Task.FromResult(true);
        };
        var replaces = new SipReplaces("consult-1@127.0.0.1", "to-abc", "from-def");

        var accepted = await pair.Network.PumpUntilAsync(call.ReferAsync(SipUri.Parse("sip:agent9@127.0.0.1:5080"), replaces));

        Assert.True(accepted);
        Assert.Equal(replaces, received!.Replaces);
        Assert.Equal("agent9", received.Target.User);
        Assert.Empty(received.Target.Headers);
    }

    [Fact]
    public async Task A_refer_without_handler_is_declined()
    {
        await using var pair = await AgentPair.StartAsync();
        CallTests.AnswerEveryCall(pair.Gateway, ring: false);
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);

        var accepted = await pair.Network.PumpUntilAsync(call.ReferAsync(SipUri.Parse("sip:agent7@127.0.0.1")));

        Assert.False(accepted);
        Assert.Contains(pair.Network.ResponsesTo(pair.EndPointOf(pair.Phone)), r => r.StatusCode == SipStatusCodes.Decline);
        Assert.Equal(SipCallState.Connected, call.State);
    }

    [Fact]
    public async Task An_invite_with_replaces_names_a_call_the_agent_can_find()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = CallTests.AnswerEveryCall(pair.Gateway, ring: false);
        var first = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(first.Result);
        var existing = first.Dialog!.Id;

        // The phone (as transfer target) takes over its own first call, as seen from the gateway.
        var replaces = new SipReplaces(existing.CallId, existing.RemoteTag, existing.LocalTag);
        var request = pair.Request(pair.Gateway, "queue-sales", "agent1") with
        {
            ExtraHeaders = new Dictionary<string, string> { [SipHeaderNames.Replaces] = replaces.ToString() },
        };
        var second = pair.Phone.Invite(request);
        await pair.Network.PumpUntilAsync(second.Result);

        Assert.Equal(2, incoming.Count);
        Assert.Equal(replaces, incoming[1].Replaces);
        Assert.Same(incoming[0], pair.Gateway.FindCall(incoming[1].Replaces!.DialogAtRecipient));
        Assert.Null(pair.Gateway.FindCall(new SipDialogId("nope", "a", "b")));
        Assert.Equal(2, pair.Gateway.Calls.Count);
    }

    [Fact]
    public async Task A_hangup_before_the_ack_waits_for_it_then_sends_bye()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = new List<IncomingCall>();
        pair.Gateway.OnIncomingCall = c =>
        {
            incoming.Add(c);
            return Task.CompletedTask;
        };
        var acksHeld = true;
        pair.Network.Drop = m => acksHeld && m is SipRequest { Method: SipMethods.Ack };
        var call = pair.PhoneCallsGateway();
        pair.Network.Pump();
        await incoming[0].AnswerAsync(TestSdp.Answer(incoming[0].Offer!));
        pair.Network.Pump();

        _ = incoming[0].HangupAsync();
        pair.Network.Pump();
        Assert.DoesNotContain(pair.Network.RequestsTo(pair.EndPointOf(pair.Phone)), r => r.Method == SipMethods.Bye);

        acksHeld = false;
        pair.Clock.Advance(TimeSpan.FromMilliseconds(500));
        var end = await pair.Network.PumpUntilAsync(call.Ended);
        Assert.Equal(SipCallEndReason.RemoteHangup, end.Reason);
        Assert.Equal(SipCallEndReason.LocalHangup, (await incoming[0].Ended).Reason);
    }
}
