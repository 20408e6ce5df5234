using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>Where an inbound message came from.</summary>
public readonly record struct SipInboundContext(ISipTransport Transport, IPEndPoint Remote);

/// <summary>What the transaction layer hands to the transaction user (the UA core, RFC 3261 §8, §17).</summary>
public interface ISipTransactionUser
{
    /// <summary>A new request with its server transaction; answer through <see cref="SipServerTransaction.SendResponse"/>.</summary>
    void OnRequest(SipServerTransaction transaction);

    /// <summary>An ACK that belongs to no server transaction, i.e. the ACK for a 2xx (§17.2.3, §13.3.1.4).</summary>
    void OnAck(SipRequest ack, SipInboundContext context)
    {
    }

    /// <summary>A CANCEL matched a pending INVITE: the layer already answered 200 to it and 487 to the INVITE (§9.2).</summary>
    void OnCancel(InviteServerTransaction invite, SipRequest cancel)
    {
    }

    void OnServerTransactionFailed(SipServerTransaction transaction, SipServerTransactionFailure failure)
    {
    }

    /// <summary>A response no client transaction claims, e.g. a 2xx retransmission after Timer M: re-ACK it (§13.2.2.4).</summary>
    void OnStrayResponse(SipResponse response, SipInboundContext context)
    {
    }

    /// <summary>An inbound message that could not be parsed; a 400 was sent when the request could be routed back.</summary>
    void OnMalformedMessage(SipParseException error, SipInboundContext context)
    {
    }
}

/// <summary>
/// The transaction layer (RFC 3261 §17): matches inbound messages to transactions (§17.1.3, §17.2.3), creates
/// server transactions, answers CANCEL (§9.2), stamps received/rport on inbound Vias (§18.2.1, RFC 3581 §4)
/// and routes responses back (§18.2.2). It is transport-agnostic: any <see cref="ISipTransport"/> feeds it.
/// </summary>
public sealed class SipTransactionLayer
{
    private const int BranchRandomBytes = 12;
    private const int RetryAfterSeconds = 5;

    private readonly ISipTransactionUser _user;
    private readonly SipTransactionOptions _options;
    private readonly TimeProvider _time;
    private readonly SipParserLimits _limits;
    private readonly ConcurrentDictionary<string, SipClientTransaction> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipServerTransaction> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, int> _serverTransactionsPerSource = [];
    private readonly List<ISipTransport> _transports = [];

    public SipTransactionLayer(ISipTransactionUser user, SipTransactionOptions? options = null, TimeProvider? time = null, SipParserLimits? limits = null)
    {
        _options = options ?? new SipTransactionOptions();
        _options.Validate();
        _user = user;
        _time = time ?? TimeProvider.System;
        _limits = limits ?? SipParserLimits.Default;
    }

    public SipTransactionOptions Options => _options;

    public int ClientTransactionCount => _clients.Count;

    public int ServerTransactionCount => _servers.Count;

    /// <summary>Adds a transport and starts feeding its packets to this layer.</summary>
    public void AddTransport(ISipTransport transport)
    {
        lock (_transports)
        {
            _transports.Add(transport);
        }

        transport.Start(Receive);
    }

    public ISipTransport? FindTransport(SipTransportProtocol protocol)
    {
        lock (_transports)
        {
            return _transports.FirstOrDefault(t => t.Protocol == protocol);
        }
    }

    /// <summary>A new branch ID with the RFC 3261 magic cookie (§8.1.1.7).</summary>
    public static string NewBranch() => SipVia.MagicCookie + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(BranchRandomBytes));

    /// <summary>A top Via for a request we send on <paramref name="transport"/>, asking for rport (RFC 3581 §3).</summary>
    public static SipVia CreateVia(ISipTransport transport, string? branch = null) => new()
    {
        Transport = transport.Protocol.ToViaToken(),
        Host = FormatHost(transport.LocalEndPoint.Address),
        Port = transport.LocalEndPoint.Port,
        Parameters = SipParameters.Empty.With("branch", branch ?? NewBranch()).With("rport", null),
    };

    /// <summary>
    /// Starts a client transaction for <paramref name="request"/>, whose top Via must carry a fresh RFC 3261
    /// branch. A UDP request above 1300 bytes goes over TCP when we have a TCP transport (§18.1.1).
    /// </summary>
    public SipClientTransaction SendRequest(SipRequest request, IPEndPoint destination, SipTransportProtocol protocol, ISipClientTransactionUser user)
    {
        if (request.Method == SipMethods.Ack)
        {
            throw new ArgumentException("ACK is not sent in a client transaction; use SendStateless (§17.1.1.3).", nameof(request));
        }

        var via = request.TopVia ?? throw new ArgumentException("The request needs a Via.", nameof(request));
        if (!via.HasRfc3261Branch || request.CSeq is not { } cseq)
        {
            throw new ArgumentException("The request needs a CSeq and a top Via branch with the z9hG4bK cookie.", nameof(request));
        }

        var transport = FindTransport(protocol) ?? throw new InvalidOperationException($"No {protocol} transport.");
        if (protocol == SipTransportProtocol.Udp && FindTransport(SipTransportProtocol.Tcp) is { } tcp
            && SipMessageWriter.Write(request).Length > SipTransactionOptions.MaxUdpRequestBytes)
        {
            transport = tcp;
            ReplaceTopVia(request, via with { Transport = tcp.Protocol.ToViaToken(), Host = FormatHost(tcp.LocalEndPoint.Address), Port = tcp.LocalEndPoint.Port });
        }

        var key = SipClientTransaction.CreateKey(via.Branch!, cseq.Method);
        SipClientTransaction transaction = request.Method == SipMethods.Invite
            ? new InviteClientTransaction(request, key, transport, destination, _options, _time, user)
            : new NonInviteClientTransaction(request, key, transport, destination, _options, _time, user);
        if (!_clients.TryAdd(key, transaction))
        {
            throw new InvalidOperationException($"A client transaction with branch {via.Branch} and method {cseq.Method} exists.");
        }

        transaction.SetTerminationHandler(t => _clients.TryRemove(new KeyValuePair<string, SipClientTransaction>(t.Key, (SipClientTransaction)t)));
        transaction.Start();
        return transaction;
    }

    /// <summary>Sends a message outside any transaction: the ACK for a 2xx (§13.2.2.4) or a stateless response.</summary>
    public bool SendStateless(SipMessage message, IPEndPoint destination, SipTransportProtocol protocol)
    {
        var transport = FindTransport(protocol) ?? throw new InvalidOperationException($"No {protocol} transport.");
        return transport.Send(SipMessageWriter.Write(message), destination);
    }

    /// <summary>Entry point for every packet a transport received.</summary>
    public void Receive(SipInboundPacket packet)
    {
        var context = new SipInboundContext(packet.Transport, packet.Remote);
        SipMessage message;
        try
        {
            message = SipMessageParser.Parse(packet.Data, packet.Transport.IsReliable ? SipFraming.Stream : SipFraming.Datagram, _limits);
        }
        catch (SipParseException error)
        {
            RejectMalformed(error, context);
            return;
        }

        switch (message)
        {
            case SipResponse response:
                ReceiveResponse(response, context);
                break;
            case SipRequest request:
                ReceiveRequest(request, context);
                break;
        }
    }

    private void ReceiveResponse(SipResponse response, SipInboundContext context)
    {
        var via = response.TopVia!;
        if (via.Branch is { } branch && _clients.TryGetValue(SipClientTransaction.CreateKey(branch, response.CSeq!.Value.Method), out var transaction))
        {
            transaction.ReceiveResponse(response);
            return;
        }

        _user.OnStrayResponse(response, context);
    }

    private void ReceiveRequest(SipRequest request, SipInboundContext context)
    {
        StampTopVia(request, context.Remote);
        var key = SipServerTransaction.CreateKey(request);
        if (_servers.TryGetValue(key, out var existing))
        {
            existing.ReceiveRetransmission(request);
            return;
        }

        if (request.Method == SipMethods.Ack)
        {
            _user.OnAck(request, context);
            return;
        }

        var destination = ResponseDestination(request, context);
        if (!TryReserveSource(context.Remote.Address))
        {
            // Too many open transactions from one address: refuse without keeping state.
            var busy = SipResponse.CreateFor(request, SipStatusCodes.ServiceUnavailable);
            busy.Headers.Add(SipHeaderNames.RetryAfter, RetryAfterSeconds.ToString(CultureInfo.InvariantCulture));
            context.Transport.Send(SipMessageWriter.Write(busy), destination);
            return;
        }

        SipServerTransaction transaction = request.Method == SipMethods.Invite
            ? new InviteServerTransaction(request, key, context.Transport, destination, _options, _time)
            : new NonInviteServerTransaction(request, key, context.Transport, destination, _options, _time);
        if (!_servers.TryAdd(key, transaction))
        {
            ReleaseSource(context.Remote.Address);
            if (_servers.TryGetValue(key, out existing))
            {
                existing.ReceiveRetransmission(request);
            }

            return;
        }

        var source = context.Remote.Address;
        transaction.SetTerminationHandler(t =>
        {
            if (_servers.TryRemove(new KeyValuePair<string, SipServerTransaction>(t.Key, (SipServerTransaction)t)))
            {
                ReleaseSource(source);
            }
        });
        transaction.FailureHandler = _user.OnServerTransactionFailed;
        if (transaction is InviteServerTransaction invite)
        {
            invite.AcceptedAckHandler = ack => _user.OnAck(ack, context);
            invite.Start();
        }

        if (request.Method == SipMethods.Cancel)
        {
            ReceiveCancel((NonInviteServerTransaction)transaction, request);
            return;
        }

        _user.OnRequest(transaction);
    }

    /// <summary>
    /// §9.2: a CANCEL matching a pending INVITE gets 200 and the INVITE 487; one matching nothing gets 481.
    /// The CANCEL's 200 carries the INVITE's To tag, as §9.2 recommends.
    /// </summary>
    private void ReceiveCancel(NonInviteServerTransaction cancelTransaction, SipRequest cancel)
    {
        if (!_servers.TryGetValue(SipServerTransaction.CreateKey(cancel, SipMethods.Invite), out var match) || match is not InviteServerTransaction invite)
        {
            cancelTransaction.SendResponse(cancelTransaction.CreateResponse(SipStatusCodes.CallOrTransactionDoesNotExist));
            return;
        }

        cancelTransaction.SendResponse(SipResponse.CreateFor(cancel, SipStatusCodes.Ok, invite.ToTag));
        if (!invite.IsPending)
        {
            return;
        }

        try
        {
            invite.SendResponse(invite.CreateResponse(SipStatusCodes.RequestTerminated));
        }
        catch (SipTransactionStateException)
        {
            // The TU answered the INVITE at the same moment; the CANCEL then has no effect (§9.2).
            return;
        }

        _user.OnCancel(invite, cancel);
    }

    private void RejectMalformed(SipParseException error, SipInboundContext context)
    {
        if (error.PartialRequest is { Method: not SipMethods.Ack } request && TryTopVia(request) is not null)
        {
            try
            {
                StampTopVia(request, context.Remote);
                var response = SipResponse.CreateFor(request, error.SuggestedStatusCode, reasonPhrase: error.ReasonPhrase);
                context.Transport.Send(SipMessageWriter.Write(response), ResponseDestination(request, context));
            }
            catch (Exception exception) when (exception is SipParseException or ArgumentException)
            {
                // The headers we would copy are themselves broken: there is nothing sensible to answer.
            }
        }

        _user.OnMalformedMessage(error, context);
    }

    private static SipVia? TryTopVia(SipRequest request)
    {
        try
        {
            return request.TopVia;
        }
        catch (SipParseException)
        {
            return null;
        }
    }

    /// <summary>
    /// §18.2.1: add "received" when sent-by is not the source address; RFC 3581 §4: fill an empty "rport" with the
    /// source port and then always add "received".
    /// </summary>
    internal static void StampTopVia(SipRequest request, IPEndPoint remote)
    {
        var via = request.TopVia!;
        var updated = via;
        var sourceAddress = FormatAddress(remote.Address);
        var sentByIsSource = IPAddress.TryParse(via.Host.Trim('[', ']'), out var sentBy) && sentBy.Equals(remote.Address);
        if (via.HasRport && via.Rport is null)
        {
            updated = updated.WithParameter("rport", remote.Port.ToString(CultureInfo.InvariantCulture)).WithParameter("received", sourceAddress);
        }
        else if (!sentByIsSource)
        {
            updated = updated.WithParameter("received", sourceAddress);
        }

        if (!ReferenceEquals(updated, via))
        {
            ReplaceTopVia(request, updated);
        }
    }

    /// <summary>
    /// §18.2.2 and RFC 3581 §4: reliable transports answer on the connection the request came on; otherwise to
    /// the received address (or sent-by) and the rport (or sent-by port).
    /// </summary>
    internal static IPEndPoint ResponseDestination(SipRequest request, SipInboundContext context)
    {
        if (context.Transport.IsReliable)
        {
            return context.Remote;
        }

        var via = request.TopVia!;
        if (via.Rport is { } rport)
        {
            return new IPEndPoint(context.Remote.Address, rport);
        }

        var host = (via.Received ?? via.Host).Trim('[', ']');
        return IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, via.EffectivePort)
            : new IPEndPoint(context.Remote.Address, via.EffectivePort);
    }

    private static void ReplaceTopVia(SipMessage message, SipVia via)
    {
        var values = SipHeaderList.Split(message.Headers.Get(SipHeaderNames.Via)!).ToList();
        values[0] = via.ToString();
        message.Headers.ReplaceFirst(SipHeaderNames.Via, string.Join(", ", values));
    }

    private bool TryReserveSource(IPAddress source)
    {
        lock (_serverTransactionsPerSource)
        {
            var count = _serverTransactionsPerSource.GetValueOrDefault(source);
            if (count >= _options.MaxServerTransactionsPerSource)
            {
                return false;
            }

            _serverTransactionsPerSource[source] = count + 1;
            return true;
        }
    }

    private void ReleaseSource(IPAddress source)
    {
        lock (_serverTransactionsPerSource)
        {
            var count = _serverTransactionsPerSource.GetValueOrDefault(source) - 1;
            if (count <= 0)
            {
                _serverTransactionsPerSource.Remove(source);
            }
            else
            {
                _serverTransactionsPerSource[source] = count;
            }
        }
    }

    private static string FormatAddress(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6 ? $"[{address}]" : FormatAddress(address);
}
