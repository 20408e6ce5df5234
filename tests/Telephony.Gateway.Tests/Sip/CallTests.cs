using System.Net;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Gateway.Tests.Sip.Support;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Tests.Sip;

/// <summary>Two user agents on the in-memory network with a fake clock: every exchange and timer is deterministic.</summary>
public sealed class CallTests
{
    [Theory]
    [InlineData(SipTransportProtocol.Udp)]
    [InlineData(SipTransportProtocol.Tcp)]
    public async Task Incoming_call_rings_is_answered_and_ends_when_the_caller_hangs_up(SipTransportProtocol protocol)
    {
        await using var pair = await AgentPair.StartAsync(protocol);
        var incoming = AnswerEveryCall(pair.Gateway, ring: true);
        var provisional = new List<int>();

        var call = pair.PhoneCallsGateway();
        call.Provisional += (_, status) => provisional.Add(status);
        var result = await pair.Network.PumpUntilAsync(call.Result);

        Assert.Equal(OutgoingCallOutcome.Answered, result.Outcome);
        Assert.Equal([SipStatusCodes.Ringing], provisional);
        var gatewayCall = Assert.Single(incoming);
        Assert.Equal("queue-sales", gatewayCall.CalledUser);
        Assert.Equal(SipCallState.Connected, gatewayCall.State);
        Assert.NotNull(call.RemoteSdp);
        Assert.NotNull(gatewayCall.RemoteSdp);
        Assert.Single(pair.Network.RequestsTo(pair.EndPointOf(pair.Gateway)), r => r.Method == SipMethods.Ack);

        _ = call.HangupAsync();
        var gatewayEnd = await pair.Network.PumpUntilAsync(gatewayCall.Ended);
        var phoneEnd = await call.Ended;

        Assert.Equal(SipCallEndReason.RemoteHangup, gatewayEnd.Reason);
        Assert.Equal(SipCallEndReason.LocalHangup, phoneEnd.Reason);

        // §12.2.1.1: the BYE goes to the remote target, i.e. the Contact of the gateway's 2xx.
        var bye = Assert.Single(pair.Network.RequestsTo(pair.EndPointOf(pair.Gateway)), r => r.Method == SipMethods.Bye);
        var contact = pair.Network.ResponsesTo(pair.EndPointOf(pair.Phone)).First(r => r.StatusCode == 200).Contacts[0].Uri;
        Assert.Equal(contact, bye.RequestUri);
        Assert.Equal(0, pair.Gateway.Counters.Dialogs);
        Assert.Equal(0, pair.Phone.Counters.Dialogs);
        Assert.Contains(pair.Network.ResponsesTo(pair.EndPointOf(pair.Phone)), r => r.CSeq!.Value.Method == SipMethods.Bye && r.StatusCode == 200);
    }

    [Fact]
    public async Task Gateway_hangs_up_an_answered_call_with_bye()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = AnswerEveryCall(pair.Gateway, ring: false);
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);

        _ = incoming[0].HangupAsync();
        var phoneEnd = await pair.Network.PumpUntilAsync(call.Ended);

        Assert.Equal(SipCallEndReason.RemoteHangup, phoneEnd.Reason);
        Assert.Equal(SipCallEndReason.LocalHangup, (await incoming[0].Ended).Reason);
        Assert.Single(pair.Network.RequestsTo(pair.EndPointOf(pair.Phone)), r => r.Method == SipMethods.Bye);
    }

    [Fact]
    public async Task Trying_goes_out_after_the_provisional_delay_and_all_responses_share_one_to_tag()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = new List<IncomingCall>();
        pair.Gateway.OnIncomingCall = c =>
        {
            incoming.Add(c);
            return Task.CompletedTask;
        };

        var call = pair.PhoneCallsGateway();
        pair.Network.Pump();
        var phone = pair.EndPointOf(pair.Phone);
        Assert.Empty(pair.Network.ResponsesTo(phone));

        pair.Clock.Advance(TimeSpan.FromMilliseconds(100));
        pair.Network.Pump();
        Assert.Equal(SipStatusCodes.Trying, Assert.Single(pair.Network.ResponsesTo(phone)).StatusCode);

        incoming[0].Ring();
        await incoming[0].AnswerAsync(TestSdp.Answer(incoming[0].Offer!));
        await pair.Network.PumpUntilAsync(call.Result);

        var tags = pair.Network.ResponsesTo(phone).Where(r => r.StatusCode > 100).Select(r => r.To!.Tag).Distinct().ToList();
        Assert.Single(tags);
        Assert.NotNull(tags[0]);
    }

    [Fact]
    public async Task Cancel_before_answer_gives_200_to_cancel_487_to_invite_and_ends_both_sides()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = new List<IncomingCall>();
        pair.Gateway.OnIncomingCall = c =>
        {
            incoming.Add(c);
            c.Ring();
            return Task.CompletedTask;
        };
        var call = pair.PhoneCallsGateway();
        pair.Network.Pump();
        var cancelledEvents = 0;
        incoming[0].Cancelled += _ => cancelledEvents++;

        call.Cancel();
        var result = await pair.Network.PumpUntilAsync(call.Result);

        Assert.Equal(OutgoingCallOutcome.Cancelled, result.Outcome);
        Assert.True(incoming[0].IsCancelled);
        Assert.Equal(1, cancelledEvents);
        Assert.Equal(new SipCallEnd(SipCallEndReason.Cancelled, 487), await incoming[0].Ended);
        Assert.Equal(SipCallEndReason.Cancelled, (await call.Ended).Reason);
        var phone = pair.EndPointOf(pair.Phone);
        Assert.Contains(pair.Network.ResponsesTo(phone), r => r.CSeq!.Value.Method == SipMethods.Cancel && r.StatusCode == 200);
        Assert.Contains(pair.Network.ResponsesTo(phone), r => r.CSeq!.Value.Method == SipMethods.Invite && r.StatusCode == 487);

        // A late answer attempt changes nothing.
        await incoming[0].AnswerAsync(TestSdp.Answer(incoming[0].Offer!));
        pair.Network.Pump();
        Assert.DoesNotContain(pair.Network.ResponsesTo(phone), r => r.StatusCode == 200 && r.CSeq!.Value.Method == SipMethods.Invite);
    }

    [Fact]
    public async Task Cancel_waits_for_a_provisional_response_before_it_is_sent()
    {
        await using var pair = await AgentPair.StartAsync();
        pair.Gateway.OnIncomingCall = _ => Task.CompletedTask;
        var call = pair.PhoneCallsGateway();
        call.Cancel();
        pair.Network.Pump();
        var gateway = pair.EndPointOf(pair.Gateway);
        Assert.DoesNotContain(pair.Network.RequestsTo(gateway), r => r.Method == SipMethods.Cancel);

        pair.Clock.Advance(TimeSpan.FromMilliseconds(100));
        var result = await pair.Network.PumpUntilAsync(call.Result);

        Assert.Equal(OutgoingCallOutcome.Cancelled, result.Outcome);
        Assert.Single(pair.Network.RequestsTo(gateway), r => r.Method == SipMethods.Cancel);
    }

    [Fact]
    public async Task The_2xx_is_resent_until_the_ack_arrives_and_the_caller_acks_each_copy()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = AnswerEveryCall(pair.Gateway, ring: false);
        var acksDropped = 0;
        pair.Network.Drop = m => m is SipRequest { Method: SipMethods.Ack } && acksDropped++ < 2;
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);
        var phone = pair.EndPointOf(pair.Phone);
        int OkCount() => pair.Network.ResponsesTo(phone).Count(r => r.StatusCode == 200 && r.CSeq!.Value.Method == SipMethods.Invite);
        Assert.Equal(1, OkCount());

        pair.Clock.Advance(TimeSpan.FromMilliseconds(500));
        pair.Network.Pump();
        Assert.Equal(2, OkCount());
        pair.Clock.Advance(TimeSpan.FromSeconds(1));
        pair.Network.Pump();
        Assert.Equal(3, OkCount());

        // The third ACK got through: no more copies, and no BYE after 64*T1.
        pair.RunTimersOut();
        Assert.Equal(3, OkCount());
        Assert.Equal(SipCallState.Connected, incoming[0].State);
        Assert.False(call.Ended.IsCompleted);
    }

    [Fact]
    public async Task Without_an_ack_the_callee_gives_up_after_64_T1_and_sends_bye()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = AnswerEveryCall(pair.Gateway, ring: false);
        pair.Network.Drop = m => m is SipRequest { Method: SipMethods.Ack };
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);

        pair.RunTimersOut();

        Assert.Equal(new SipCallEnd(SipCallEndReason.Timeout, 408), await incoming[0].Ended);
        Assert.Equal(SipCallEndReason.RemoteHangup, (await call.Ended).Reason);
        var resent = pair.Network.ResponsesTo(pair.EndPointOf(pair.Phone)).Count(r => r.StatusCode == 200 && r.CSeq!.Value.Method == SipMethods.Invite);
        Assert.InRange(resent, 8, 12); // 0.5, 1, 2, 4, 4, ... s within 32 s
    }

    [Fact]
    public async Task A_retransmitted_invite_after_the_2xx_is_absorbed()
    {
        await using var pair = await AgentPair.StartAsync();
        AnswerEveryCall(pair.Gateway, ring: false);
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);
        var invite = pair.Network.RequestsTo(pair.EndPointOf(pair.Gateway)).First(r => r.Method == SipMethods.Invite);

        var phoneTransport = pair.Network.CreateTransport(SipTransportProtocol.Udp);
        pair.Network.Inject(phoneTransport, pair.EndPointOf(pair.Gateway), SipMessageWriter.Write(invite));
        pair.Network.Pump();

        Assert.Equal(1, pair.Gateway.Counters.IncomingCalls);
        Assert.Equal(1, pair.Gateway.Counters.Dialogs);
    }

    [Fact]
    public async Task Without_a_handler_an_invite_gets_480()
    {
        await using var pair = await AgentPair.StartAsync();
        var call = pair.PhoneCallsGateway();
        var result = await pair.Network.PumpUntilAsync(call.Result);

        Assert.Equal(new OutgoingCallResult(OutgoingCallOutcome.Rejected, 480), result);
        Assert.Equal(new SipCallEnd(SipCallEndReason.Rejected, 480), await call.Ended);
    }

    [Fact]
    public async Task A_rejected_call_reports_the_status_to_both_sides()
    {
        await using var pair = await AgentPair.StartAsync();
        IncomingCall? incoming = null;
        pair.Gateway.OnIncomingCall = c =>
        {
            incoming = c;
            c.Reject(486, "Busy Here");
            return Task.CompletedTask;
        };

        var call = pair.PhoneCallsGateway();
        var result = await pair.Network.PumpUntilAsync(call.Result);

        Assert.Equal(new OutgoingCallResult(OutgoingCallOutcome.Rejected, 486), result);
        Assert.Equal(new SipCallEnd(SipCallEndReason.Rejected, 486), await incoming!.Ended);
        Assert.Throws<ArgumentOutOfRangeException>(() => incoming.Reject(200, "OK"));
    }

    [Fact]
    public async Task An_unanswered_invite_times_out_with_408_on_timer_b()
    {
        await using var pair = await AgentPair.StartAsync();
        pair.Network.Drop = m => m is SipRequest { Method: SipMethods.Invite };
        var call = pair.PhoneCallsGateway();

        pair.RunTimersOut();

        Assert.Equal(new OutgoingCallResult(OutgoingCallOutcome.Timeout, 408), await call.Result);
        Assert.Equal(new SipCallEnd(SipCallEndReason.Timeout, 408), await call.Ended);
        Assert.InRange(pair.Network.Snapshot().Count, 0, 0);
    }

    [Fact]
    public async Task Gateway_calls_a_phone_and_the_phone_hangs_up()
    {
        await using var pair = await AgentPair.StartAsync();
        var phoneCalls = AnswerEveryCall(pair.Phone, ring: true);
        var call = pair.GatewayCallsPhone();
        var result = await pair.Network.PumpUntilAsync(call.Result);
        Assert.True(result.IsAnswered);
        Assert.Equal("agent1", phoneCalls[0].CalledUser);
        Assert.Equal("gateway", phoneCalls[0].From.Uri.User);

        _ = phoneCalls[0].HangupAsync();
        var end = await pair.Network.PumpUntilAsync(call.Ended);

        Assert.Equal(SipCallEndReason.RemoteHangup, end.Reason);
    }

    [Fact]
    public async Task A_2xx_for_a_cancelled_call_is_acknowledged_and_ended_with_bye()
    {
        await using var pair = await AgentPair.StartAsync();
        var incoming = new List<IncomingCall>();
        pair.Gateway.OnIncomingCall = c =>
        {
            incoming.Add(c);
            c.Ring();
            return Task.CompletedTask;
        };
        var call = pair.PhoneCallsGateway();
        pair.Network.Pump();

        // The answer is on its way before the CANCEL arrives.
        await incoming[0].AnswerAsync(TestSdp.Answer(incoming[0].Offer!));
        call.Cancel();
        var result = await pair.Network.PumpUntilAsync(call.Result);
        await pair.Network.PumpUntilAsync(incoming[0].Ended);

        Assert.Equal(OutgoingCallOutcome.Cancelled, result.Outcome);
        Assert.Equal(SipCallEndReason.RemoteHangup, (await incoming[0].Ended).Reason);
        Assert.Contains(pair.Network.RequestsTo(pair.EndPointOf(pair.Gateway)), r => r.Method == SipMethods.Ack);
    }

    [Fact]
    public async Task A_challenged_invite_is_sent_again_once_with_credentials()
    {
        await using var pair = await AgentPair.StartAsync();
        var digest = new DigestServer(new DigestServerOptions { Realm = "carrier", NonceKey = new byte[32] }, pair.Clock);
        var trunk = pair.Network.CreateTransport(SipTransportProtocol.Udp);
        var request = new OutgoingCallRequest(SipUri.Parse($"sip:+4930123@127.0.0.1:{trunk.LocalEndPoint.Port}"), trunk.LocalEndPoint, SipTransportProtocol.Udp, "gateway", null, TestSdp.Offer())
        {
            Credentials = new SipCallCredentials("gw", "trunkpass"),
        };

        var call = pair.Gateway.Invite(request);
        pair.Network.Pump();
        var first = Assert.Single(pair.Network.RequestsTo(trunk.LocalEndPoint));
        pair.Network.Inject(trunk, pair.Gateway.UdpEndPoint, SipMessageWriter.Write(digest.CreateChallengeResponse(first, "t1", asProxy: true)));
        pair.Network.Pump();
        var invites = pair.Network.RequestsTo(trunk.LocalEndPoint).Where(r => r.Method == SipMethods.Invite).ToList();
        Assert.Equal(2, invites.Count);
        var second = invites[1];
        Assert.Equal(first.CSeq!.Value.Number + 1, second.CSeq!.Value.Number);
        Assert.NotEqual(first.TopVia!.Branch, second.TopVia!.Branch);
        Assert.Equal(first.From!.Tag, second.From!.Tag);
        Assert.Equal(DigestVerdict.Authorized, digest.Verify(second, _ => DigestCalculator.ComputeHa1("gw", "carrier", "trunkpass"), asProxy: true).Verdict);

        // A second challenge is not answered again: the call fails with it.
        pair.Network.Inject(trunk, pair.Gateway.UdpEndPoint, SipMessageWriter.Write(digest.CreateChallengeResponse(second, "t2", asProxy: true)));
        var result = await pair.Network.PumpUntilAsync(call.Result);
        Assert.Equal(new OutgoingCallResult(OutgoingCallOutcome.Rejected, 407), result);
    }

    [Fact]
    public async Task Requests_beyond_the_per_source_limit_get_503()
    {
        await using var pair = await AgentPair.StartAsync(configure: o => o.MaxTransactionsPerSource = 2);
        var peer = pair.Network.CreateTransport(SipTransportProtocol.Udp);
        for (var i = 0; i < 3; i++)
        {
            var options = new SipRequest(SipMethods.Options, SipUri.Parse("sip:gw@127.0.0.1"));
            options.Headers.Add(SipHeaderNames.Via, CallCenter.Telephony.Sip.Transactions.SipTransactionLayer.CreateVia(peer).ToString());
            options.Headers.Add(SipHeaderNames.MaxForwards, "70");
            options.Headers.Add(SipHeaderNames.From, $"<sip:probe@127.0.0.1>;tag=p{i}");
            options.Headers.Add(SipHeaderNames.To, "<sip:gw@127.0.0.1>");
            options.CallId = $"limit-{i}";
            options.CSeq = new SipCSeq(1, SipMethods.Options);
            pair.Network.Inject(peer, pair.Gateway.UdpEndPoint, SipMessageWriter.Write(options));
        }

        pair.Network.Pump();

        Assert.Equal([200, 200, 503], pair.Network.ResponsesTo(peer.LocalEndPoint).Select(r => r.StatusCode));
        pair.RunTimersOut();
        Assert.Equal(0, pair.Gateway.Counters.Transactions);
    }

    [Fact]
    public async Task Disposing_the_agent_ends_its_calls()
    {
        var pair = await AgentPair.StartAsync();
        var incoming = AnswerEveryCall(pair.Gateway, ring: false);
        var call = pair.PhoneCallsGateway();
        await pair.Network.PumpUntilAsync(call.Result);

        await pair.DisposeAsync();

        Assert.Equal(SipCallEndReason.TransportError, (await incoming[0].Ended).Reason);
        Assert.Equal(SipCallEndReason.TransportError, (await call.Ended).Reason);
    }

    internal static List<IncomingCall> AnswerEveryCall(SipUserAgent agent, bool ring)
    {
        var calls = new List<IncomingCall>();
        agent.OnIncomingCall = async call =>
        {
            calls.Add(call);
            if (ring)
            {
                call.Ring();
            }

            await call.AnswerAsync(TestSdp.Answer(call.Offer ?? TestSdp.Offer()));
        };
        return calls;
    }
}
