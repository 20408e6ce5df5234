using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using CallCenter.Telephony.Sip.Authentication;
using CallCenter.Telephony.Sip.Dialogs;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Sdp;
using CallCenter.Telephony.Sip.Transactions;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>
/// The gateway's SIP user agent (RFC 3261 §8, §12-§15): registrar for agent phones, UAS for incoming calls, UAC for
/// outgoing ones, over UDP and TCP, on top of Telephony.Sip's transaction layer. It speaks SIP only; the caller
/// supplies and consumes SDP. Nothing a peer sends can throw out of here: bad requests get 400 with a reason.
/// </summary>
public sealed class SipUserAgent : IAsyncDisposable
{
    internal const string AllowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, INFO, MESSAGE";
    internal const string SupportedExtensions = "replaces";
    internal const string SubscriptionStateHeader = "Subscription-State";
    private const int TagBytes = 8;
    private const int CallIdBytes = 16;
    private const int MaxInitialSequence = 1 << 16;

    /// <summary>Methods we know (405 when not allowed in a place) as opposed to unknown ones (501, §8.2.1).</summary>
    private static readonly HashSet<string> KnownMethods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register, SipMethods.Info,
        SipMethods.Update, SipMethods.Prack, SipMethods.Refer, SipMethods.Notify, SipMethods.Subscribe, SipMethods.Message, "PUBLISH",
    ];

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        SipHeaderNames.Via, SipHeaderNames.From, SipHeaderNames.To, SipHeaderNames.CallId, SipHeaderNames.CSeq, SipHeaderNames.Contact,
        SipHeaderNames.ContentLength, SipHeaderNames.ContentType, SipHeaderNames.MaxForwards, "i", "f", "t", "v", "m", "l", "c",
    };

    private readonly ILogger _logger;
    private readonly SipTransactionLayer _layer;
    private readonly IReadOnlyList<ISipTransport>? _givenTransports;
    private readonly List<ISipTransport> _transports = [];
    private readonly ConcurrentDictionary<SipDialogId, SipCall> _dialogs = new();
    private readonly ConcurrentDictionary<SipCall, byte> _calls = new(ReferenceEqualityComparer.Instance);
    private readonly CancellationTokenSource _stopping = new();
    private int _started;

    public SipUserAgent(SipUserAgentOptions options, ICredentialStore credentials, TimeProvider time, ILoggerFactory loggers)
        : this(options, credentials, time, loggers, transports: null)
    {
    }

    /// <summary>For tests: run on the given transports instead of opening sockets.</summary>
    internal SipUserAgent(SipUserAgentOptions options, ICredentialStore credentials, TimeProvider time, ILoggerFactory loggers, IReadOnlyList<ISipTransport>? transports)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SIP user agent options: " + string.Join(" ", errors), nameof(options));
        }

        Options = options;
        Time = time;
        _logger = loggers.CreateLogger<SipUserAgent>();
        CallLogger = loggers.CreateLogger<SipCall>();
        _givenTransports = transports;
        TransactionOptions = options.ToTransactionOptions();
        _layer = new SipTransactionLayer(new TransactionUser(this), TransactionOptions, time);
        Registrar = new Registrar(options, credentials, time, loggers.CreateLogger<Registrar>(), this);
        Counters = new SipUserAgentCounters(() => _layer.ClientTransactionCount, () => _layer.ServerTransactionCount, () => _calls.Count);
    }

    /// <summary>An INVITE outside any dialog. Ring, answer or reject the call; without a handler the UA answers 480.</summary>
    public Func<IncomingCall, Task>? OnIncomingCall { get; set; }

    /// <summary>Other requests outside a dialog (MESSAGE, SUBSCRIBE, …); null or no handler gives 405/501. OPTIONS is answered by the UA.</summary>
    public Func<SipRequest, SipResponse?>? OnOutOfDialogRequest { get; set; }

    public Registrar Registrar { get; }

    public SipUserAgentCounters Counters { get; }

    public IPEndPoint UdpEndPoint => FindTransport(SipTransportProtocol.Udp)?.LocalEndPoint ?? throw new InvalidOperationException("No UDP transport is running.");

    public IPEndPoint TcpEndPoint => FindTransport(SipTransportProtocol.Tcp)?.LocalEndPoint ?? throw new InvalidOperationException("No TCP transport is running.");

    /// <summary>Calls that have not ended (incoming not yet answered ones included).</summary>
    public IReadOnlyCollection<SipCall> Calls => [.. _calls.Keys];

    internal SipUserAgentOptions Options { get; }

    internal TimeProvider Time { get; }

    internal SipTransactionOptions TransactionOptions { get; }

    internal ILogger CallLogger { get; }

    /// <summary>
    /// The call with that dialog, e.g. the one an INVITE with Replaces takes over (use
    /// <see cref="SipReplaces.DialogAtRecipient"/> of <see cref="IncomingCall.Replaces"/>, RFC 3891 §3).
    /// </summary>
    public SipCall? FindCall(SipDialogId id) => _dialogs.TryGetValue(id, out var call) ? call : null;

    /// <summary>Opens the transports (or adopts the given ones) and starts receiving.</summary>
    public Task StartAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The user agent is already started.");
        }

        var transports = _givenTransports ?? OpenTransports();
        foreach (var transport in transports)
        {
            lock (_transports)
            {
                _transports.Add(transport);
            }

            _layer.AddTransport(transport);
            _logger.LogInformation("SIP {Protocol} listening on {EndPoint}", transport.Protocol, transport.LocalEndPoint);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Registers <see cref="RegisterRequest.Contact"/> for <see cref="RegisterRequest.User"/> with a registrar, as a
    /// softphone does (RFC 3261 §10.2): one REGISTER, and one retry answering a 401/407 digest challenge (§22.2).
    /// Returns the final response; Timer F gives 408. Expires zero removes the binding.
    /// </summary>
    public async Task<SipResponse> RegisterAsync(RegisterRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Expires < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(request), "Expires must not be negative.");
        }
        var transport = FindTransport(request.Transport) ?? throw new InvalidOperationException($"No {request.Transport} transport is running.");
        var local = transport.LocalEndPoint;
        var register = new SipRequest(SipMethods.Register, request.Registrar);
        register.Headers.Add(SipHeaderNames.Via, SipTransactionLayer.CreateVia(transport).ToString());
        register.Headers.Add(SipHeaderNames.MaxForwards, "70");
        var addressOfRecord = new SipNameAddress { Uri = new SipUri { User = request.User, Host = request.Registrar.Host, Port = request.Registrar.Port } };
        register.From = addressOfRecord.WithTag(NewTag());
        register.To = addressOfRecord;
        register.CallId = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(CallIdBytes))}@{FormatHost(local.Address)}";
        var sequence = RandomNumberGenerator.GetInt32(1, MaxInitialSequence);
        register.CSeq = new SipCSeq(sequence, SipMethods.Register);
        register.Headers.Add(SipHeaderNames.Contact, new SipNameAddress { Uri = request.Contact }.ToString());
        register.Headers.Add(SipHeaderNames.Expires, ((int)request.Expires.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        AddCommonRequestHeaders(register);
        var response = await SendRequestAsync(register, request.Destination, request.Transport).WaitAsync(ct);
        if (response.StatusCode is not (SipStatusCodes.Unauthorized or SipStatusCodes.ProxyAuthenticationRequired))
        {
            return response;
        }
        var retry = register.Clone();
        retry.Headers.Remove(SipHeaderNames.Via);
        retry.Headers.AddFirst(SipHeaderNames.Via, SipTransactionLayer.CreateVia(transport).ToString());
        retry.CSeq = new SipCSeq(sequence + 1, SipMethods.Register);
        DigestClient.Authorize(retry, response, request.User, request.Password, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        return await SendRequestAsync(retry, request.Destination, request.Transport).WaitAsync(ct);
    }

    /// <summary>
    /// Places a call: sends the INVITE with <see cref="OutgoingCallRequest.Offer"/> to <see cref="OutgoingCallRequest.Destination"/>.
    /// Watch <see cref="OutgoingCall.Result"/> for the answer and <see cref="SipCall.Ended"/> for the end.
    /// </summary>
    public OutgoingCall Invite(OutgoingCallRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Offer);
        if (string.IsNullOrEmpty(request.FromUser) || !request.FromUser.All(c => char.IsAsciiLetterOrDigit(c) || "-_.!~*'()+".Contains(c, StringComparison.Ordinal)))
        {
            throw new ArgumentException("FromUser must be a non-empty SIP user name (letters, digits, -_.!~*'()+).", nameof(request));
        }

        foreach (var name in request.ExtraHeaders?.Keys ?? [])
        {
            if (ReservedHeaders.Contains(name))
            {
                throw new ArgumentException($"Header {name} is set by the user agent and cannot be given.", nameof(request));
            }
        }

        var transport = FindTransport(request.Transport) ?? throw new InvalidOperationException($"No {request.Transport} transport is running.");
        var local = transport.LocalEndPoint;
        var invite = new SipRequest(SipMethods.Invite, request.Target);
        invite.Headers.Add(SipHeaderNames.Via, SipTransactionLayer.CreateVia(transport).ToString());
        invite.Headers.Add(SipHeaderNames.MaxForwards, "70");
        var from = new SipNameAddress { DisplayName = request.FromDisplayName, Uri = new SipUri { User = request.FromUser, Host = FormatHost(local.Address), Port = local.Port } };
        invite.From = from.WithTag(NewTag());
        invite.To = new SipNameAddress { Uri = request.Target with { Headers = [] } };
        invite.CallId = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(CallIdBytes))}@{FormatHost(local.Address)}";
        invite.CSeq = new SipCSeq(RandomNumberGenerator.GetInt32(1, MaxInitialSequence), SipMethods.Invite);
        invite.Headers.Add(SipHeaderNames.Contact, CreateContact(request.FromUser, request.Transport).ToString());
        invite.Headers.Add(SipHeaderNames.Allow, AllowedMethods);
        invite.Headers.Add(SipHeaderNames.Supported, SupportedExtensions);
        AddCommonRequestHeaders(invite);
        foreach (var (name, value) in request.ExtraHeaders ?? new Dictionary<string, string>())
        {
            invite.Headers.Add(name, value);
        }

        invite.SetBody(System.Text.Encoding.UTF8.GetBytes(request.Offer.ToString()), SdpSessionDescription.MimeType);
        var call = new OutgoingCall(this, request, invite);
        _calls.TryAdd(call, 0);
        Counters.OutgoingCall();
        _logger.LogDebug("Call {CallId}: INVITE {Target} via {Destination}", call.CallId, request.Target, request.Destination);
        call.Start();
        return call;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        Registrar.Dispose();
        foreach (var call in _calls.Keys)
        {
            call.Abort();
        }

        List<ISipTransport> transports;
        lock (_transports)
        {
            transports = [.. _transports];
            _transports.Clear();
        }

        foreach (var transport in transports)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    internal void Track(SipCall call, SipDialogId id) => _dialogs.TryAdd(id, call);

    internal void Forget(SipCall call)
    {
        _calls.TryRemove(call, out _);
        foreach (var entry in _dialogs)
        {
            if (ReferenceEquals(entry.Value, call))
            {
                _dialogs.TryRemove(entry);
            }
        }
    }

    internal SipVia CreateVia(SipTransportProtocol protocol) =>
        SipTransactionLayer.CreateVia(FindTransport(protocol) ?? throw new InvalidOperationException($"No {protocol} transport is running."));

    /// <summary>Our Contact for dialogs on <paramref name="protocol"/> (§8.1.1.8), with transport=tcp where needed.</summary>
    internal SipNameAddress CreateContact(string? user, SipTransportProtocol protocol)
    {
        var local = FindTransport(protocol)?.LocalEndPoint ?? throw new InvalidOperationException($"No {protocol} transport is running.");
        var uri = new SipUri { User = string.IsNullOrEmpty(user) ? null : user, Host = FormatHost(local.Address), Port = local.Port };
        if (protocol == SipTransportProtocol.Tcp)
        {
            uri = uri.WithParameter("transport", "tcp");
        }

        return new SipNameAddress { Uri = uri };
    }

    internal void AddCommonRequestHeaders(SipRequest request)
    {
        if (!request.Headers.Contains(SipHeaderNames.UserAgent))
        {
            request.Headers.Add(SipHeaderNames.UserAgent, Options.ServerName);
        }
    }

    /// <summary>Contact, Allow and Supported on responses that create or refresh a dialog (§12.1.1, §13.3.1.4).</summary>
    internal void AddDialogResponseHeaders(SipResponse response, string user, SipTransportProtocol protocol)
    {
        response.Headers.Add(SipHeaderNames.Contact, CreateContact(user, protocol).ToString());
        response.Headers.Add(SipHeaderNames.Allow, AllowedMethods);
        response.Headers.Add(SipHeaderNames.Supported, SupportedExtensions);
    }

    internal SipResponse CreateResponse(SipServerTransaction transaction, int status, string? reason = null)
    {
        var response = transaction.CreateResponse(status, reason);
        response.Headers.Add(SipHeaderNames.Server, Options.ServerName);
        return response;
    }

    /// <summary>A response that is counted as sent; for callers that send it through the transaction themselves.</summary>
    internal SipResponse CountedResponse(SipServerTransaction transaction, int status, string? reason)
    {
        Counters.ResponseSent(status);
        return CreateResponse(transaction, status, reason);
    }

    internal void Respond(SipServerTransaction transaction, int status, string? reason = null) =>
        Respond(transaction, CreateResponse(transaction, status, reason));

    internal void Respond(SipServerTransaction transaction, SipResponse response)
    {
        try
        {
            transaction.SendResponse(response);
            Counters.ResponseSent(response.StatusCode);
        }
        catch (SipTransactionStateException exception)
        {
            // A retransmission or a CANCEL answered the transaction first; nothing left to do.
            _logger.LogDebug("Response {Status} not sent: {Reason}", response.StatusCode, exception.Message);
        }
    }

    internal SipResponse CreateOptionsResponse(SipServerTransaction transaction)
    {
        var ok = CreateResponse(transaction, SipStatusCodes.Ok);
        ok.Headers.Add(SipHeaderNames.Allow, AllowedMethods);
        ok.Headers.Add(SipHeaderNames.Accept, SdpSessionDescription.MimeType);
        ok.Headers.Add(SipHeaderNames.Supported, SupportedExtensions);
        return ok;
    }

    /// <summary>§8.2.1: 405 with Allow for a method we know but do not take here, 501 for one we do not know.</summary>
    internal void RespondUnsupportedMethod(SipServerTransaction transaction)
    {
        if (KnownMethods.Contains(transaction.Request.Method))
        {
            var notAllowed = CreateResponse(transaction, SipStatusCodes.MethodNotAllowed);
            notAllowed.Headers.Add(SipHeaderNames.Allow, AllowedMethods);
            Respond(transaction, notAllowed);
        }
        else
        {
            Respond(transaction, SipStatusCodes.NotImplemented);
        }
    }

    /// <summary>§8.2.3: 415 with Accept listing the body types we understand.</summary>
    internal void RespondUnsupportedMediaType(SipServerTransaction transaction)
    {
        var response = CreateResponse(transaction, SipStatusCodes.UnsupportedMediaType);
        response.Headers.Add(SipHeaderNames.Accept, SdpSessionDescription.MimeType);
        Respond(transaction, response);
    }

    internal SipClientTransaction StartClientTransaction(SipRequest request, IPEndPoint destination, SipTransportProtocol protocol, ISipClientTransactionUser user) =>
        _layer.SendRequest(request, destination, protocol, user);

    /// <summary>Sends a non-INVITE request and returns its final response; Timer F gives a 408, a transport failure a 503 (§8.1.3.1).</summary>
    internal Task<SipResponse> SendRequestAsync(SipRequest request, IPEndPoint destination, SipTransportProtocol protocol)
    {
        var user = new FinalResponseUser(request, onSuccess: null);
        StartRequest(request, destination, protocol, user);
        return user.Final.Task;
    }

    /// <summary>Sends a re-INVITE; its 2xx (and every retransmission of it) is acknowledged to the dialog's next hop.</summary>
    internal Task<SipResponse> SendReinviteAsync(SipCall call, SipRequest invite, IPEndPoint destination)
    {
        byte[]? ack = null;
        var user = new FinalResponseUser(invite, onSuccess: response =>
        {
            ack ??= CreateReinviteAck(call, invite);
            SendBytes(ack, destination, call.Protocol);
        });
        StartRequest(invite, destination, call.Protocol, user);
        return user.Final.Task;
    }

    internal void SendBytes(byte[] bytes, IPEndPoint destination, SipTransportProtocol protocol)
    {
        if (FindTransport(protocol) is { } transport && !transport.Send(bytes, destination))
        {
            _logger.LogWarning("Could not send {Bytes} bytes to {Destination} over {Protocol}", bytes.Length, destination, protocol);
        }
    }

    /// <summary>Runs background work of the UA, logging instead of losing its failures.</summary>
    internal void Run(Task task, string what)
    {
        if (task.IsCompleted)
        {
            Observe(task, what);
            return;
        }

        _ = task.ContinueWith(t => Observe(t, what), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Observe(Task task, string what)
    {
        if (task.Exception is { } exception)
        {
            _logger.LogError(exception.GetBaseException(), "SIP background work failed: {Work}", what);
        }
    }

    private static byte[] CreateReinviteAck(SipCall call, SipRequest invite)
    {
        var ack = call.Dialog!.CreateAck(invite.CSeq!.Value.Number, call.Agent.CreateVia(call.Protocol));
        call.Agent.AddCommonRequestHeaders(ack);
        return SipMessageWriter.Write(ack);
    }

    private void StartRequest(SipRequest request, IPEndPoint destination, SipTransportProtocol protocol, FinalResponseUser user)
    {
        try
        {
            _layer.SendRequest(request, destination, protocol, user);
        }
        catch (InvalidOperationException exception)
        {
            _logger.LogWarning("{Method} not sent: {Reason}", request.Method, exception.Message);
            user.Final.TrySetResult(SipResponse.CreateFor(request, SipStatusCodes.ServiceUnavailable));
        }
    }

    private List<ISipTransport> OpenTransports()
    {
        var address = IPAddress.Parse(Options.ListenAddress);
        var transports = new List<ISipTransport>();
        try
        {
            if (Options.Udp)
            {
                transports.Add(new SipUdpTransport(new IPEndPoint(address, Options.Port)));
            }

            if (Options.Tcp)
            {
                transports.Add(new SipTcpTransport(new IPEndPoint(address, Options.Port)));
            }
        }
        catch
        {
            foreach (var transport in transports)
            {
                _ = transport.DisposeAsync();
            }

            throw;
        }

        return transports;
    }

    private ISipTransport? FindTransport(SipTransportProtocol protocol) => _layer.FindTransport(protocol);

    private static string NewTag() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TagBytes));

    private static string FormatHost(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();

    // ---- what the transaction layer hands us ----

    private void OnRequest(SipServerTransaction transaction)
    {
        SipUserAgentCounters.RequestReceived(transaction.Request.Method);
        try
        {
            Dispatch(transaction);
        }
        catch (SipParseException error)
        {
            // A header the parser let through (it only checks the mandatory ones) turned out malformed.
            Respond(transaction, SipStatusCodes.BadRequest, error.ReasonPhrase);
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "{Method} from {Source} failed", transaction.Request.Method, transaction.Remote);
            Respond(transaction, SipStatusCodes.ServerInternalError);
        }
    }

    private void Dispatch(SipServerTransaction transaction)
    {
        var request = transaction.Request;
        if (request.To!.Tag is not null)
        {
            // §12.2.2: in-dialog; a To tag that matches no dialog gets 481.
            if (SipDialogId.ForIncomingRequest(request) is { } id && _dialogs.TryGetValue(id, out var call))
            {
                call.ReceiveRequest(transaction);
            }
            else
            {
                Respond(transaction, SipStatusCodes.CallOrTransactionDoesNotExist);
            }

            return;
        }

        switch (request.Method)
        {
            case SipMethods.Invite:
                AcceptInvite((InviteServerTransaction)transaction);
                break;
            case SipMethods.Register:
                Run(Registrar.HandleAsync(transaction, _stopping.Token), "REGISTER");
                break;
            case SipMethods.Options:
                Respond(transaction, CreateOptionsResponse(transaction));
                break;
            case SipMethods.Bye or SipMethods.Info or SipMethods.Update or SipMethods.Prack:
                Respond(transaction, SipStatusCodes.CallOrTransactionDoesNotExist);
                break;
            default:
                if (OnOutOfDialogRequest?.Invoke(request) is { } response)
                {
                    response.Headers.Set(SipHeaderNames.Server, Options.ServerName);
                    Respond(transaction, response);
                }
                else
                {
                    RespondUnsupportedMethod(transaction);
                }

                break;
        }
    }

    /// <summary>A new call (§13.3.1): checks what a dialog needs, then hands the call to <see cref="OnIncomingCall"/>.</summary>
    private void AcceptInvite(InviteServerTransaction transaction)
    {
        var request = transaction.Request;
        if (request.From!.Tag is null)
        {
            Respond(transaction, SipStatusCodes.BadRequest, "From tag missing");
            return;
        }

        if (request.Contacts.Count != 1)
        {
            Respond(transaction, SipStatusCodes.BadRequest, "INVITE needs one Contact");
            return;
        }

        var unsupported = request.Headers.GetListValues(SipHeaderNames.Require)
            .Where(option => !option.Equals(SupportedExtensions, StringComparison.OrdinalIgnoreCase)).ToList();
        if (unsupported.Count > 0)
        {
            // §8.2.2.3: an extension we do not support is refused with the list of what was missing.
            var badExtension = CreateResponse(transaction, SipStatusCodes.BadExtension);
            badExtension.Headers.Add(SipHeaderNames.Unsupported, string.Join(", ", unsupported));
            Respond(transaction, badExtension);
            return;
        }

        SdpSessionDescription? offer = null;
        if (!request.Body.IsEmpty)
        {
            if (request.ContentType is not { } type || !type.Split(';')[0].Trim().Equals(SdpSessionDescription.MimeType, StringComparison.OrdinalIgnoreCase))
            {
                RespondUnsupportedMediaType(transaction);
                return;
            }

            offer = SdpSessionDescription.Parse(request.Body.Span);
        }

        var replaces = request.Headers.Get(SipHeaderNames.Replaces) is { } value ? SipReplaces.Parse(value) : null;
        var call = new IncomingCall(this, transaction, offer, replaces);
        if (!_dialogs.TryAdd(call.DialogId, call))
        {
            // §8.2.2.2: the same request arriving by another path (merged request).
            Respond(transaction, SipStatusCodes.LoopDetected);
            return;
        }

        _calls.TryAdd(call, 0);
        Counters.IncomingCall();
        _logger.LogDebug("Call {CallId}: INVITE from {From} to {Called} via {Source}", call.CallId, call.From.Uri, call.CalledUser, call.Source);
        if (OnIncomingCall is not { } handler)
        {
            call.Reject(SipStatusCodes.TemporarilyUnavailable, "No call handler");
            return;
        }

        Run(OfferAsync(handler, call), "incoming call handler");
    }

    private async Task OfferAsync(Func<IncomingCall, Task> handler, IncomingCall call)
    {
        try
        {
            await handler(call).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Call {CallId}: incoming call handler failed", call.CallId);
            if (call.State is SipCallState.Offered or SipCallState.Early)
            {
                call.Reject(SipStatusCodes.ServerInternalError, "Call handler failed");
            }
        }
    }

    private void OnAck(SipRequest ack)
    {
        SipUserAgentCounters.RequestReceived(ack.Method);
        try
        {
            if (SipDialogId.ForIncomingRequest(ack) is { } id && _dialogs.TryGetValue(id, out var call))
            {
                call.ReceiveAck(ack);
            }
        }
        catch (SipParseException error)
        {
            _logger.LogDebug("Malformed ACK ignored: {Reason}", error.ReasonPhrase);
        }
    }

    private void OnCancel(InviteServerTransaction invite)
    {
        SipUserAgentCounters.RequestReceived(SipMethods.Cancel);
        var request = invite.Request;
        var id = new SipDialogId(request.CallId!, invite.ToTag, request.From?.Tag ?? "");
        if (_dialogs.TryGetValue(id, out var call) && call is IncomingCall incoming)
        {
            incoming.OnCancelled();
        }
    }

    private void OnServerTransactionFailed(SipServerTransaction transaction, SipServerTransactionFailure failure)
    {
        if (transaction is not InviteServerTransaction invite || invite.Request.To?.Tag is not null)
        {
            return;
        }

        var id = new SipDialogId(invite.Request.CallId!, invite.ToTag, invite.Request.From?.Tag ?? "");
        if (_dialogs.TryGetValue(id, out var call) && call is IncomingCall incoming && ReferenceEquals(incoming.Transaction, invite))
        {
            incoming.OnTransactionFailed(failure);
        }
    }

    private void OnStrayResponse(SipResponse response)
    {
        try
        {
            if (response.IsSuccess && response.CSeq?.Method == SipMethods.Invite
                && SipDialogId.ForIncomingResponse(response) is { } id && _dialogs.TryGetValue(id, out var call) && call is OutgoingCall outgoing)
            {
                outgoing.ReceiveStraySuccess(response);
            }
        }
        catch (SipParseException error)
        {
            _logger.LogDebug("Malformed stray response ignored: {Reason}", error.ReasonPhrase);
        }
    }

    private void OnMalformed(SipParseException error, SipInboundContext context)
    {
        Counters.Malformed();
        _logger.LogDebug("Malformed message from {Source}: {Reason}", context.Remote, error.ReasonPhrase);
    }

    /// <summary>Keeps <see cref="ISipTransactionUser"/> off the UA's public surface.</summary>
    private sealed class TransactionUser(SipUserAgent agent) : ISipTransactionUser
    {
        public void OnRequest(SipServerTransaction transaction) => agent.OnRequest(transaction);

        public void OnAck(SipRequest ack, SipInboundContext context) => agent.OnAck(ack);

        public void OnCancel(InviteServerTransaction invite, SipRequest cancel) => agent.OnCancel(invite);

        public void OnServerTransactionFailed(SipServerTransaction transaction, SipServerTransactionFailure failure) =>
            agent.OnServerTransactionFailed(transaction, failure);

        public void OnStrayResponse(SipResponse response, SipInboundContext context) => agent.OnStrayResponse(response);

        public void OnMalformedMessage(SipParseException error, SipInboundContext context) => agent.OnMalformed(error, context);
    }

    /// <summary>Completes with the final response of a client transaction; timeouts and transport errors become 408 and 503.</summary>
    private sealed class FinalResponseUser(SipRequest request, Action<SipResponse>? onSuccess) : ISipClientTransactionUser
    {
        public TaskCompletionSource<SipResponse> Final { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnResponse(SipClientTransaction transaction, SipResponse response)
        {
            if (response.IsSuccess && onSuccess is not null)
            {
                onSuccess(response);
            }

            if (response.IsFinal)
            {
                Final.TrySetResult(response);
            }
        }

        public void OnTimeout(SipClientTransaction transaction) =>
            Final.TrySetResult(SipResponse.CreateFor(request, SipStatusCodes.RequestTimeout));

        public void OnTransportError(SipClientTransaction transaction) =>
            Final.TrySetResult(SipResponse.CreateFor(request, SipStatusCodes.ServiceUnavailable));
    }
}
