using System.Net;
using System.Text;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Tests.Support;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Sip.Tests.Transactions;

public sealed class ServerTransactionTests
{
    private static readonly IPEndPoint Caller = new(IPAddress.Parse("192.0.2.10"), 5062);

    private readonly FakeTimeProvider _time = new();
    private readonly RecordingTransactionUser _user = new();

    private static TimeSpan[] Seconds(params double[] values) => values.Select(TimeSpan.FromSeconds).ToArray();

    private (SipTransactionLayer Layer, FakeTransport Transport) Setup(SipTransportProtocol protocol = SipTransportProtocol.Udp, SipTransactionOptions? options = null)
    {
        var layer = new SipTransactionLayer(_user, options, _time);
        var transport = new FakeTransport(_time, protocol);
        layer.AddTransport(transport);
        return (layer, transport);
    }

    private static List<int> StatusCodes(FakeTransport transport) =>
        transport.SentMessages.Select(s => s.Message).OfType<SipResponse>().Select(r => r.StatusCode).ToList();

    [Fact]
    public void Invite_gets_100_trying_after_the_trying_delay_when_the_user_is_silent()
    {
        var (_, transport) = Setup();

        transport.Inject(TestRequests.Create(SipMethods.Invite), Caller);
        _time.Run(SipTransactionOptions.DefaultTryingDelay - TimeSpan.FromMilliseconds(1));
        Assert.Empty(transport.SentMessages);
        _time.Run(TimeSpan.FromMilliseconds(1));

        var trying = Assert.Single(transport.SentMessages);
        Assert.Equal(SipStatusCodes.Trying, ((SipResponse)trying.Message).StatusCode);
        Assert.Null(trying.Message.To!.Tag);
        Assert.Single(_user.Requests);
    }

    [Fact]
    public void No_100_trying_when_the_user_answers_in_time()
    {
        var (_, transport) = Setup();
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ringing));

        transport.Inject(TestRequests.Create(SipMethods.Invite), Caller);
        _time.Run(TimeSpan.FromSeconds(1));

        Assert.Equal([SipStatusCodes.Ringing], StatusCodes(transport));
    }

    [Fact]
    public void Zero_trying_delay_sends_100_at_once()
    {
        var (_, transport) = Setup(options: new SipTransactionOptions { TryingDelay = TimeSpan.Zero });

        transport.Inject(TestRequests.Create(SipMethods.Invite), Caller);

        Assert.Equal([SipStatusCodes.Trying], StatusCodes(transport));
    }

    [Fact]
    public void Invite_retransmission_in_proceeding_repeats_the_last_provisional_and_is_not_passed_up()
    {
        var (_, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ringing));

        transport.Inject(invite, Caller);
        transport.Inject(invite, Caller);

        Assert.Equal([SipStatusCodes.Ringing, SipStatusCodes.Ringing], StatusCodes(transport));
        Assert.Single(_user.Requests);
    }

    [Fact]
    public void Failure_response_is_retransmitted_on_timer_G_until_timer_H()
    {
        var (layer, transport) = Setup();
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.BusyHere));

        transport.Inject(TestRequests.Create(SipMethods.Invite), Caller);
        var transaction = (InviteServerTransaction)_user.Requests[0];
        _time.Run(TimeSpan.FromSeconds(32));

        // §17.2.1: G = T1, 2T1, 4T1, then T2; H = 64*T1.
        Assert.Equal(Seconds(0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5), transport.SendTimes);
        Assert.Equal(InviteServerState.Terminated, transaction.State);
        Assert.Equal(SipServerTransactionFailure.AckTimeout, Assert.Single(_user.Failures).Failure);
        Assert.Equal(0, layer.ServerTransactionCount);
    }

    [Fact]
    public void Ack_for_failure_confirms_absorbs_further_acks_and_ends_after_T4()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.BusyHere));
        transport.Inject(invite, Caller);
        var transaction = (InviteServerTransaction)_user.Requests[0];
        var ack = InviteClientTransaction.CreateAck(invite, (SipResponse)transport.SentMessages[0].Message);

        _time.Run(TimeSpan.FromSeconds(1));
        transport.Inject(ack, Caller);
        transport.Inject(ack, Caller);
        transport.Inject(invite, Caller);
        _time.Run(TimeSpan.FromSeconds(4.999));
        Assert.Equal(InviteServerState.Confirmed, transaction.State);
        _time.Run(TimeSpan.FromMilliseconds(1));

        Assert.Equal(Seconds(0, 0.5), transport.SendTimes);
        Assert.Equal(InviteServerState.Terminated, transaction.State);
        Assert.Empty(_user.Acks);
        Assert.Empty(_user.Failures);
        Assert.Equal(0, layer.ServerTransactionCount);
    }

    [Fact]
    public void Success_moves_to_accepted_where_invite_retransmissions_are_absorbed_until_timer_L()
    {
        var (layer, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ok));
        transport.Inject(invite, Caller);
        var transaction = (InviteServerTransaction)_user.Requests[0];

        transport.Inject(invite, Caller);
        transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Ok));
        _time.Run(TimeSpan.FromSeconds(31.999));
        Assert.Equal(InviteServerState.Accepted, transaction.State);
        _time.Run(TimeSpan.FromMilliseconds(1));

        Assert.Equal([SipStatusCodes.Ok, SipStatusCodes.Ok], StatusCodes(transport));
        Assert.Equal(InviteServerState.Terminated, transaction.State);
        Assert.Single(_user.Requests);
        Assert.Equal(0, layer.ServerTransactionCount);
    }

    [Fact]
    public void Ack_for_2xx_with_its_own_branch_goes_to_the_user()
    {
        var (_, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ok));
        transport.Inject(invite, Caller);
        var ack = TestRequests.Create(SipMethods.Ack);

        transport.Inject(ack, Caller);

        Assert.Single(_user.Acks);
    }

    [Fact]
    public void Responses_share_one_to_tag_and_illegal_sends_are_errors()
    {
        var (_, transport) = Setup();
        transport.Inject(TestRequests.Create(SipMethods.Invite), Caller);
        var transaction = _user.Requests[0];

        transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Ringing));
        transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Decline));

        Assert.Equal(transport.SentMessages[0].Message.To!.Tag, transport.SentMessages[1].Message.To!.Tag);
        Assert.Throws<SipTransactionStateException>(() => transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Ok)));
    }

    [Fact]
    public void Over_reliable_transport_failure_is_not_retransmitted_and_ack_ends_at_once()
    {
        var (_, transport) = Setup(SipTransportProtocol.Tcp);
        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.BusyHere));
        transport.Inject(invite, Caller);
        var transaction = (InviteServerTransaction)_user.Requests[0];

        _time.Run(TimeSpan.FromSeconds(10));
        transport.Inject(InviteClientTransaction.CreateAck(invite, (SipResponse)transport.SentMessages[0].Message), Caller);

        Assert.Single(transport.SentMessages);
        Assert.Equal(InviteServerState.Terminated, transaction.State);
    }

    [Fact]
    public void Non_invite_retransmissions_get_nothing_while_trying_then_the_last_response()
    {
        var (layer, transport) = Setup();
        var options = TestRequests.Create(SipMethods.Options);
        transport.Inject(options, Caller);
        var transaction = (NonInviteServerTransaction)_user.Requests[0];

        transport.Inject(options, Caller);
        Assert.Empty(transport.SentMessages);

        transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Trying));
        transport.Inject(options, Caller);
        transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Ok));
        transport.Inject(options, Caller);
        Assert.Equal([SipStatusCodes.Trying, SipStatusCodes.Trying, SipStatusCodes.Ok, SipStatusCodes.Ok], StatusCodes(transport));
        Assert.Throws<SipTransactionStateException>(() => transaction.SendResponse(transaction.CreateResponse(SipStatusCodes.Ok)));

        // Timer J = 64*T1 on unreliable transports.
        _time.Run(TimeSpan.FromSeconds(31.999));
        Assert.Equal(NonInviteServerState.Completed, transaction.State);
        _time.Run(TimeSpan.FromMilliseconds(1));
        Assert.Equal(NonInviteServerState.Terminated, transaction.State);
        Assert.Equal(0, layer.ServerTransactionCount);
        Assert.Single(_user.Requests);
    }

    [Fact]
    public void Non_invite_over_reliable_transport_ends_with_the_final_response()
    {
        var (layer, transport) = Setup(SipTransportProtocol.Tcp);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ok));

        transport.Inject(TestRequests.Create(SipMethods.Register), Caller);

        Assert.True(_user.Requests[0].IsTerminated);
        Assert.Equal(0, layer.ServerTransactionCount);
    }

    [Fact]
    public void Cancel_of_a_pending_invite_gets_200_and_the_invite_487()
    {
        var (_, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t =>
        {
            if (t.Request.Method == SipMethods.Invite)
            {
                t.SendResponse(t.CreateResponse(SipStatusCodes.Ringing));
            }
        };
        transport.Inject(invite, Caller);
        var transaction = (InviteServerTransaction)_user.Requests[0];

        transport.Inject(TestRequests.CancelFor(invite), Caller);

        var responses = transport.SentMessages.Select(s => (SipResponse)s.Message).ToList();
        Assert.Equal([SipStatusCodes.Ringing, SipStatusCodes.Ok, SipStatusCodes.RequestTerminated], responses.Select(r => r.StatusCode));
        Assert.Equal(SipMethods.Cancel, responses[1].CSeq!.Value.Method);
        Assert.Equal(SipMethods.Invite, responses[2].CSeq!.Value.Method);
        Assert.All(responses, r => Assert.Equal(transaction.ToTag, r.To!.Tag));
        Assert.Equal(InviteServerState.Completed, transaction.State);
        Assert.Same(transaction, Assert.Single(_user.Cancels).Invite);
    }

    [Fact]
    public void Cancel_matching_nothing_gets_481_and_cancel_after_final_only_200()
    {
        var (_, transport) = Setup();
        transport.Inject(TestRequests.CancelFor(TestRequests.Create(SipMethods.Invite)), Caller);
        Assert.Equal([SipStatusCodes.CallOrTransactionDoesNotExist], StatusCodes(transport));

        var invite = TestRequests.Create(SipMethods.Invite);
        _user.Answer = t =>
        {
            if (t.Request.Method == SipMethods.Invite)
            {
                t.SendResponse(t.CreateResponse(SipStatusCodes.Ok));
            }
        };
        transport.Inject(invite, Caller);
        transport.Inject(TestRequests.CancelFor(invite), Caller);

        Assert.Equal([SipStatusCodes.CallOrTransactionDoesNotExist, SipStatusCodes.Ok, SipStatusCodes.Ok], StatusCodes(transport));
        Assert.Empty(_user.Cancels);
    }

    [Fact]
    public void Via_gets_received_and_rport_and_responses_go_to_the_source()
    {
        var (_, transport) = Setup();
        var natted = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 40123);
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ok));

        transport.Inject(TestRequests.Create(SipMethods.Options, sentBy: "10.0.0.5:5062", rport: true), natted);

        var sent = Assert.Single(transport.SentMessages);
        Assert.Equal(natted, sent.Destination);
        var via = sent.Message.TopVia!;
        Assert.Equal("198.51.100.7", via.Received);
        Assert.Equal(40123, via.Rport);
    }

    [Fact]
    public void Without_rport_responses_go_to_received_address_and_sent_by_port()
    {
        var (_, transport) = Setup();
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.Ok));

        transport.Inject(TestRequests.Create(SipMethods.Options, sentBy: "pc33.example.com:5070"), new IPEndPoint(IPAddress.Parse("198.51.100.7"), 40123));

        var sent = Assert.Single(transport.SentMessages);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 5070), sent.Destination);
        Assert.Equal("198.51.100.7", sent.Message.TopVia!.Received);
        Assert.False(sent.Message.TopVia.HasRport);
    }

    [Fact]
    public void Same_branch_from_another_sent_by_is_another_transaction()
    {
        var (_, transport) = Setup();

        transport.Inject(TestRequests.Create(SipMethods.Options, branch: "z9hG4bKsame", sentBy: "192.0.2.10:5062"), Caller);
        transport.Inject(TestRequests.Create(SipMethods.Options, branch: "z9hG4bKsame", sentBy: "192.0.2.11:5062"), Caller);

        Assert.Equal(2, _user.Requests.Count);
    }

    [Fact]
    public void Requests_without_magic_cookie_match_by_rfc2543_rules()
    {
        var (_, transport) = Setup();
        var invite = TestRequests.Create(SipMethods.Invite, branch: "oldstyle1");
        _user.Answer = t => t.SendResponse(t.CreateResponse(SipStatusCodes.NotFound));
        transport.Inject(invite, Caller);
        var transaction = (InviteServerTransaction)_user.Requests[0];

        transport.Inject(invite, Caller);
        transport.Inject(InviteClientTransaction.CreateAck(invite, (SipResponse)transport.SentMessages[0].Message), Caller);

        Assert.Single(_user.Requests);
        Assert.Equal(InviteServerState.Confirmed, transaction.State);
    }

    [Fact]
    public void Transactions_per_source_are_limited_with_503()
    {
        var (layer, transport) = Setup(options: new SipTransactionOptions { MaxServerTransactionsPerSource = 2 });

        for (var i = 0; i < 3; i++)
        {
            transport.Inject(TestRequests.Create(SipMethods.Options), Caller);
        }

        transport.Inject(TestRequests.Create(SipMethods.Options), new IPEndPoint(IPAddress.Parse("192.0.2.99"), 5060));

        Assert.Equal(3, _user.Requests.Count);
        var refused = (SipResponse)Assert.Single(transport.SentMessages).Message;
        Assert.Equal(SipStatusCodes.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.Get(SipHeaderNames.RetryAfter));
        Assert.Equal(3, layer.ServerTransactionCount);
    }

    [Fact]
    public void Malformed_request_with_routable_via_gets_400_with_the_reason()
    {
        var (_, transport) = Setup();
        var text = Encoding.UTF8.GetString(SipMessageWriter.Write(TestRequests.Create(SipMethods.Invite)))
            .Replace("CSeq: 1 INVITE", "CSeq: 1 BYE", StringComparison.Ordinal);

        transport.InjectBytes(Encoding.UTF8.GetBytes(text), Caller);

        var response = (SipResponse)Assert.Single(transport.SentMessages).Message;
        Assert.Equal(SipStatusCodes.BadRequest, response.StatusCode);
        Assert.Equal("CSeq method does not match request", response.ReasonPhrase);
        Assert.Single(_user.Malformed);
        Assert.Empty(_user.Requests);
    }

    [Fact]
    public void Request_uri_with_unknown_scheme_gets_416()
    {
        var (_, transport) = Setup();
        var text = Encoding.UTF8.GetString(SipMessageWriter.Write(TestRequests.Create(SipMethods.Invite)))
            .Replace("INVITE sip:agent1@127.0.0.1:5060 SIP/2.0", "INVITE mailto:agent1@example.com SIP/2.0", StringComparison.Ordinal);

        transport.InjectBytes(Encoding.UTF8.GetBytes(text), Caller);

        var response = (SipResponse)Assert.Single(transport.SentMessages).Message;
        Assert.Equal(SipStatusCodes.UnsupportedUriScheme, response.StatusCode);
        Assert.Equal(SipMethods.Invite, response.CSeq!.Value.Method);
    }

    [Fact]
    public void Garbage_is_dropped_silently()
    {
        var (_, transport) = Setup();

        transport.InjectBytes([0x16, 0x03, 0x01, 0x00], Caller);

        Assert.Empty(transport.SentMessages);
        Assert.Single(_user.Malformed);
    }

    [Fact]
    public void Success_retransmitter_doubles_to_T2_and_gives_up_after_64_T1()
    {
        var sends = new List<TimeSpan>();
        var start = _time.GetUtcNow();
        var gaveUp = 0;
        using var retransmitter = new SuccessResponseRetransmitter(() => sends.Add(_time.GetUtcNow() - start), () => gaveUp++, new SipTransactionOptions(), _time);

        retransmitter.Start();
        _time.Run(TimeSpan.FromSeconds(40));

        Assert.Equal(Seconds(0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5), sends);
        Assert.Equal(1, gaveUp);
        Assert.Equal(SuccessRetransmissionState.GaveUp, retransmitter.State);
        Assert.False(retransmitter.AckReceived());
    }

    [Fact]
    public void Success_retransmitter_stops_on_ack()
    {
        var sends = 0;
        var gaveUp = 0;
        using var retransmitter = new SuccessResponseRetransmitter(() => sends++, () => gaveUp++, new SipTransactionOptions(), _time);

        retransmitter.Start();
        _time.Run(TimeSpan.FromSeconds(2));
        Assert.True(retransmitter.AckReceived());
        _time.Run(TimeSpan.FromSeconds(60));

        Assert.Equal(2, sends);
        Assert.Equal(0, gaveUp);
        Assert.Equal(SuccessRetransmissionState.Acknowledged, retransmitter.State);
        Assert.Throws<SipTransactionStateException>(retransmitter.Start);
    }
}
