using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Tests.Support;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Transactions;

public sealed class ClientTransactionTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.20"), 5060);

    private readonly FakeTimeProvider _time = new();
    private readonly RecordingClientUser _user = new();
    private readonly RecordingTransactionUser _core = new();

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static TimeSpan[] Seconds(params double[] values) => values.Select(TimeSpan.FromSeconds).ToArray();

    private (SipTransactionLayer Layer, FakeTransport Transport) Setup(SipTransportProtocol protocol = SipTransportProtocol.Udp)
    {
        var layer = new SipTransactionLayer(_core, time: _time);
        var transport = new FakeTransport(_time, protocol);
        layer.AddTransport(transport);
        return (layer, transport);
    }

    [Fact]
    public void Invite_without_answer_is_retransmitted_on_timer_A_doubling_and_times_out_on_timer_B()
    {
        var (layer, transport) = Setup();
        var transaction = (InviteClientTransaction)layer.SendRequest(TestRequests.Create(SipMethods.Invite), Peer, SipTransportProtocol.Udp, _user);

        _time.Run(TimeSpan.FromSeconds(31.999));
        Assert.Equal(InviteClientState.Calling, transaction.State);
        _time.Run(Ms(1));

        // §17.1.1.2: A = T1, 2T1, 4T1 … (not capped at T2 for INVITE); B = 64*T1.
        Assert.Equal(Seconds(0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5), transport.SendTimes);
        Assert.All(transport.SentMessages, s => Assert.Equal(Peer, s.Destination));
        Assert.Equal(InviteClientState.Terminated, transaction.State);
        Assert.Equal(1, _user.Timeouts);
        Assert.Equal(0, layer.ClientTransactionCount);
    }

    [Fact]
    public void Provisional_response_stops_retransmissions_and_timer_B()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        var transaction = (InviteClientTransaction)layer.SendRequest(invite, Peer, SipTransportProtocol.Udp, _user);

        _time.Run(Ms(600));
        transport.Inject(TestRequests.ResponseTo(invite, SipStatusCodes.Ringing), Peer);
        _time.Run(TimeSpan.FromMinutes(5));

        Assert.Equal(Seconds(0, 0.5), transport.SendTimes);
        Assert.Equal(InviteClientState.Proceeding, transaction.State);
        Assert.True(transaction.MayCancel);
        Assert.Equal(0, _user.Timeouts);
        Assert.Equal(SipStatusCodes.Ringing, Assert.Single(_user.Responses).StatusCode);
    }

    [Fact]
    public void Abandon_ends_a_proceeding_invite_without_calling_the_user_and_only_once()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        var transaction = (InviteClientTransaction)layer.SendRequest(invite, Peer, SipTransportProtocol.Udp, _user);
        transport.Inject(TestRequests.ResponseTo(invite, SipStatusCodes.Ringing), Peer);

        Assert.True(transaction.Abandon());

        Assert.Equal(InviteClientState.Terminated, transaction.State);
        Assert.Equal(0, layer.ClientTransactionCount);
        Assert.False(transaction.Abandon());
        transport.Inject(TestRequests.ResponseTo(invite, SipStatusCodes.RequestTerminated), Peer);
        Assert.Single(_user.Responses);
        Assert.Equal(0, _user.Timeouts);
    }

    [Fact]
    public void Failure_response_is_acknowledged_inside_the_transaction_and_retransmissions_reacknowledged()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        invite.Headers.Add(SipHeaderNames.Route, "<sip:proxy.example.com;lr>");
        var transaction = (InviteClientTransaction)layer.SendRequest(invite, Peer, SipTransportProtocol.Udp, _user);
        var busy = TestRequests.ResponseTo(invite, SipStatusCodes.BusyHere, toTag: "busy-tag");

        transport.Inject(busy, Peer);
        _time.Run(TimeSpan.FromSeconds(10));
        transport.Inject(busy, Peer);

        var acks = transport.SentMessages.Select(s => s.Message).OfType<SipRequest>().Where(r => r.Method == SipMethods.Ack).ToList();
        Assert.Equal(2, acks.Count);
        var ack = acks[0];
        Assert.Equal(invite.RequestUri, ack.RequestUri);
        Assert.Equal(invite.TopVia!.Branch, Assert.Single(ack.Vias).Branch);
        Assert.Equal("busy-tag", ack.To!.Tag);
        Assert.Equal(new SipCSeq(1, SipMethods.Ack), ack.CSeq);
        Assert.Equal(invite.Headers.Get(SipHeaderNames.Route), ack.Headers.Get(SipHeaderNames.Route));
        Assert.Equal(InviteClientState.Completed, transaction.State);
        Assert.Single(_user.Responses);

        // Timer D: 32 s on unreliable transports.
        _time.Run(TimeSpan.FromSeconds(21.999));
        Assert.Equal(InviteClientState.Completed, transaction.State);
        _time.Run(Ms(1));
        Assert.Equal(InviteClientState.Terminated, transaction.State);
    }

    [Fact]
    public void Success_moves_to_accepted_passes_every_2xx_up_and_sends_no_ack()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        var transaction = (InviteClientTransaction)layer.SendRequest(invite, Peer, SipTransportProtocol.Udp, _user);
        var ok = TestRequests.ResponseTo(invite, SipStatusCodes.Ok);

        transport.Inject(ok, Peer);
        _time.Run(TimeSpan.FromSeconds(2));
        transport.Inject(ok, Peer);

        Assert.Equal(InviteClientState.Accepted, transaction.State);
        Assert.Equal(2, _user.Responses.Count);
        Assert.Single(transport.SentMessages);

        // Timer M = 64*T1 (RFC 6026 §8.4).
        _time.Run(TimeSpan.FromSeconds(29.999));
        Assert.Equal(InviteClientState.Accepted, transaction.State);
        _time.Run(Ms(1));
        Assert.Equal(InviteClientState.Terminated, transaction.State);

        transport.Inject(ok, Peer);
        Assert.Single(_core.StrayResponses);
    }

    [Fact]
    public void Invite_over_reliable_transport_is_not_retransmitted_and_ends_at_once_after_failure()
    {
        var (layer, transport) = Setup(SipTransportProtocol.Tcp);
        var invite = TestRequests.Create(SipMethods.Invite);
        var transaction = (InviteClientTransaction)layer.SendRequest(invite, Peer, SipTransportProtocol.Tcp, _user);

        _time.Run(TimeSpan.FromSeconds(10));
        transport.Inject(TestRequests.ResponseTo(invite, SipStatusCodes.NotFound), Peer);

        Assert.Equal(2, transport.SentMessages.Count);
        Assert.Equal(InviteClientState.Terminated, transaction.State);
    }

    [Fact]
    public void Transport_failure_terminates_and_tells_the_user()
    {
        var (layer, transport) = Setup();
        transport.FailSends = true;

        var transaction = layer.SendRequest(TestRequests.Create(SipMethods.Options), Peer, SipTransportProtocol.Udp, _user);

        Assert.True(transaction.IsTerminated);
        Assert.Equal(1, _user.TransportErrors);
        Assert.Equal(0, layer.ClientTransactionCount);
    }

    [Fact]
    public void Non_invite_without_answer_is_retransmitted_doubling_to_T2_and_times_out_on_timer_F()
    {
        var (layer, transport) = Setup();
        var transaction = (NonInviteClientTransaction)layer.SendRequest(TestRequests.Create(SipMethods.Options), Peer, SipTransportProtocol.Udp, _user);

        _time.Run(TimeSpan.FromSeconds(32));

        // §17.1.2.2: E = T1, 2T1, 4T1, then T2 (4 s) until F = 64*T1.
        Assert.Equal(Seconds(0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5), transport.SendTimes);
        Assert.Equal(NonInviteClientState.Terminated, transaction.State);
        Assert.Equal(1, _user.Timeouts);
    }

    [Fact]
    public void Non_invite_in_proceeding_retransmits_every_T2()
    {
        var (layer, transport) = Setup();
        var options = TestRequests.Create(SipMethods.Options);
        var transaction = (NonInviteClientTransaction)layer.SendRequest(options, Peer, SipTransportProtocol.Udp, _user);

        _time.Run(Ms(600));
        transport.Inject(TestRequests.ResponseTo(options, SipStatusCodes.Trying), Peer);
        _time.Run(TimeSpan.FromSeconds(31.4));

        Assert.Equal(NonInviteClientState.Terminated, transaction.State);
        Assert.Equal(Seconds(0, 0.5, 1.5, 5.5, 9.5, 13.5, 17.5, 21.5, 25.5, 29.5), transport.SendTimes);
        Assert.Equal(1, _user.Timeouts);
    }

    [Fact]
    public void Non_invite_final_response_completes_absorbs_retransmissions_and_ends_after_T4()
    {
        var (layer, transport) = Setup();
        var bye = TestRequests.Create(SipMethods.Bye);
        var transaction = (NonInviteClientTransaction)layer.SendRequest(bye, Peer, SipTransportProtocol.Udp, _user);
        var ok = TestRequests.ResponseTo(bye, SipStatusCodes.Ok);

        transport.Inject(ok, Peer);
        transport.Inject(ok, Peer);
        _time.Run(TimeSpan.FromSeconds(4.999));
        Assert.Equal(NonInviteClientState.Completed, transaction.State);
        _time.Run(Ms(1));

        Assert.Equal(NonInviteClientState.Terminated, transaction.State);
        Assert.Single(_user.Responses);
        Assert.Single(transport.SentMessages);
    }

    [Fact]
    public void Non_invite_over_reliable_transport_ends_with_the_final_response()
    {
        var (layer, transport) = Setup(SipTransportProtocol.Tcp);
        var register = TestRequests.Create(SipMethods.Register);
        var transaction = (NonInviteClientTransaction)layer.SendRequest(register, Peer, SipTransportProtocol.Tcp, _user);

        _time.Run(TimeSpan.FromSeconds(10));
        transport.Inject(TestRequests.ResponseTo(register, SipStatusCodes.Ok), Peer);

        Assert.Single(transport.SentMessages);
        Assert.Equal(NonInviteClientState.Terminated, transaction.State);
    }

    [Fact]
    public void Response_matches_by_branch_and_cseq_method_so_cancel_and_invite_stay_apart()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        var inviteTransaction = (InviteClientTransaction)layer.SendRequest(invite, Peer, SipTransportProtocol.Udp, _user);
        transport.Inject(TestRequests.ResponseTo(invite, SipStatusCodes.Ringing), Peer);
        var cancel = TestRequests.CancelFor(invite);
        var cancelTransaction = (NonInviteClientTransaction)layer.SendRequest(cancel, Peer, SipTransportProtocol.Udp, _user);

        transport.Inject(TestRequests.ResponseTo(cancel, SipStatusCodes.Ok), Peer);

        Assert.Equal(NonInviteClientState.Completed, cancelTransaction.State);
        Assert.Equal(InviteClientState.Proceeding, inviteTransaction.State);
    }

    [Fact]
    public void Large_udp_request_goes_over_tcp_with_a_rewritten_via()
    {
        var layer = new SipTransactionLayer(_core, time: _time);
        var udp = new FakeTransport(_time, SipTransportProtocol.Udp, 5060);
        var tcp = new FakeTransport(_time, SipTransportProtocol.Tcp, 5070);
        layer.AddTransport(udp);
        layer.AddTransport(tcp);
        var invite = TestRequests.Create(SipMethods.Invite);
        invite.SetBody(new byte[SipTransactionOptions.MaxUdpRequestBytes], "application/sdp");

        layer.SendRequest(invite, Peer, SipTransportProtocol.Udp, _user);

        Assert.Empty(udp.SentMessages);
        var via = Assert.Single(tcp.SentMessages).Message.TopVia!;
        Assert.Equal("TCP", via.Transport);
        Assert.Equal(5070, via.Port);
    }

    [Theory]
    [InlineData(InviteClientState.Calling, InviteClientState.Accepted, true)]
    [InlineData(InviteClientState.Proceeding, InviteClientState.Completed, true)]
    [InlineData(InviteClientState.Completed, InviteClientState.Accepted, false)]
    [InlineData(InviteClientState.Accepted, InviteClientState.Completed, false)]
    [InlineData(InviteClientState.Terminated, InviteClientState.Calling, false)]
    [InlineData(InviteClientState.Proceeding, InviteClientState.Calling, false)]
    public void Invite_client_transition_table(InviteClientState from, InviteClientState to, bool legal)
    {
        Assert.Equal(legal, InviteClientTransaction.IsLegalTransition(from, to));
    }

    [Fact]
    public void Terminated_is_final_in_every_machine()
    {
        Assert.All(Enum.GetValues<InviteClientState>(), s => Assert.False(InviteClientTransaction.IsLegalTransition(InviteClientState.Terminated, s)));
        Assert.All(Enum.GetValues<NonInviteClientState>(), s => Assert.False(NonInviteClientTransaction.IsLegalTransition(NonInviteClientState.Terminated, s)));
        Assert.All(Enum.GetValues<InviteServerState>(), s => Assert.False(InviteServerTransaction.IsLegalTransition(InviteServerState.Terminated, s)));
        Assert.All(Enum.GetValues<NonInviteServerState>(), s => Assert.False(NonInviteServerTransaction.IsLegalTransition(NonInviteServerState.Terminated, s)));
    }
}
