using System.Security.Cryptography;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transactions;

namespace CallCenter.Telephony.Sip.Dialogs;

public enum SipDialogState
{
    /// <summary>Created by a provisional response with a To tag (§12.1).</summary>
    Early,

    /// <summary>Created or confirmed by a 2xx (§12.1).</summary>
    Confirmed,

    Terminated,
}

/// <summary>What a dialog says about an in-dialog request it received (§12.2.2).</summary>
public enum SipDialogRequestVerdict
{
    Accepted,

    /// <summary>CSeq lower than the remote sequence number: answer 500 (§12.2.2).</summary>
    OutOfOrder,

    /// <summary>The dialog has ended: answer 481 (§12.2.2).</summary>
    NoDialog,
}

/// <summary>
/// A dialog (RFC 3261 §12): the state both UAs keep to route and sequence requests within a call — route set
/// from Record-Route, remote target from Contact, local and remote CSeq numbers, and the tags.
/// </summary>
public sealed class SipDialog
{
    /// <summary>Initial local CSeq numbers stay well below 2**31 so that many requests fit (§8.1.1.5).</summary>
    private const int MaxInitialSequence = 1 << 16;

    private readonly object _gate = new();
    private List<SipNameAddress> _routeSet;

    private SipDialog(SipDialogId id, SipDialogState state, SipNameAddress localAddress, SipNameAddress remoteAddress, SipUri remoteTarget, List<SipNameAddress> routeSet, long? localSequence, long? remoteSequence, bool isSecure)
    {
        Id = id;
        State = state;
        LocalAddress = localAddress;
        RemoteAddress = remoteAddress;
        RemoteTarget = remoteTarget;
        _routeSet = routeSet;
        LocalSequence = localSequence;
        RemoteSequence = remoteSequence;
        IsSecure = isSecure;
    }

    public SipDialogId Id { get; }

    public SipDialogState State { get; private set; }

    /// <summary>Our URI and display name, without tag (From of our requests).</summary>
    public SipNameAddress LocalAddress { get; }

    /// <summary>The peer's URI and display name, without tag (To of our requests).</summary>
    public SipNameAddress RemoteAddress { get; }

    /// <summary>Where in-dialog requests go: the peer's Contact, replaced by target refreshes (§12.2).</summary>
    public SipUri RemoteTarget { get; private set; }

    public IReadOnlyList<SipNameAddress> RouteSet
    {
        get
        {
            lock (_gate)
            {
                return [.. _routeSet];
            }
        }
    }

    /// <summary>The CSeq of our last in-dialog request; null until we send one (UAS side).</summary>
    public long? LocalSequence { get; private set; }

    /// <summary>The CSeq of the peer's last in-dialog request; null until it sends one (UAC side).</summary>
    public long? RemoteSequence { get; private set; }

    public bool IsSecure { get; }

    public static bool IsLegalTransition(SipDialogState from, SipDialogState to) => (from, to) switch
    {
        (SipDialogState.Early, SipDialogState.Confirmed or SipDialogState.Terminated) => true,
        (SipDialogState.Confirmed, SipDialogState.Terminated) => true,
        _ => false,
    };

    /// <summary>
    /// The UAS side (§12.1.1): route set = Record-Route of the request in order, remote target = its Contact,
    /// remote sequence = its CSeq, local tag = the To tag of our response.
    /// </summary>
    public static SipDialog CreateAsUas(SipRequest request, SipResponse response)
    {
        var localTag = response.To?.Tag ?? throw new ArgumentException("A dialog-creating response needs a To tag.", nameof(response));
        var remote = request.From ?? throw new ArgumentException("The request has no From.", nameof(request));
        var contact = request.Contacts.FirstOrDefault() ?? throw new ArgumentException("A dialog-creating request needs a Contact (§12.1.1).", nameof(request));
        return new SipDialog(
            new SipDialogId(request.CallId!, localTag, remote.Tag ?? ""),
            StateFor(response),
            WithoutTag(request.To!),
            WithoutTag(remote),
            contact.Uri,
            [.. request.RecordRoutes],
            localSequence: null,
            remoteSequence: request.CSeq!.Value.Number,
            isSecure: request.RequestUri.IsSecure);
    }

    /// <summary>
    /// The UAC side (§12.1.2): route set = Record-Route of the response in reverse, remote target = its Contact,
    /// local sequence = the request's CSeq, remote tag = the To tag of the response.
    /// </summary>
    public static SipDialog CreateAsUac(SipRequest request, SipResponse response)
    {
        var remoteTag = response.To?.Tag ?? throw new ArgumentException("A dialog-creating response needs a To tag.", nameof(response));
        var contact = response.Contacts.FirstOrDefault() ?? throw new ArgumentException("A dialog-creating response needs a Contact (§12.1.2).", nameof(response));
        var routeSet = response.RecordRoutes.ToList();
        routeSet.Reverse();
        return new SipDialog(
            new SipDialogId(request.CallId!, request.From!.Tag ?? "", remoteTag),
            StateFor(response),
            WithoutTag(request.From!),
            WithoutTag(response.To!),
            contact.Uri,
            routeSet,
            localSequence: request.CSeq!.Value.Number,
            remoteSequence: null,
            isSecure: request.RequestUri.IsSecure);
    }

    /// <summary>
    /// A later response to the dialog-creating INVITE: a 2xx confirms an early dialog and refreshes the remote
    /// target and, on the UAC side, the route set (§12.1.2, §13.2.2.4); a failure ends an early dialog.
    /// </summary>
    public void ReceiveResponse(SipResponse response, bool isUac)
    {
        lock (_gate)
        {
            if (State == SipDialogState.Early && response.IsSuccess)
            {
                TransitionTo(SipDialogState.Confirmed);
                if (response.Contacts.FirstOrDefault() is { } contact)
                {
                    RemoteTarget = contact.Uri;
                }

                if (isUac)
                {
                    var routeSet = response.RecordRoutes.ToList();
                    routeSet.Reverse();
                    _routeSet = routeSet;
                }
            }
            else if (State == SipDialogState.Early && response.StatusCode >= 300)
            {
                TransitionTo(SipDialogState.Terminated);
            }
        }
    }

    /// <summary>
    /// Checks and records an in-dialog request from the peer (§12.2.2): CSeq must not go backwards, a target
    /// refresh replaces the remote target, BYE ends the dialog.
    /// </summary>
    public SipDialogRequestVerdict ReceiveRequest(SipRequest request)
    {
        lock (_gate)
        {
            if (State == SipDialogState.Terminated)
            {
                return SipDialogRequestVerdict.NoDialog;
            }

            var number = request.CSeq!.Value.Number;
            var sequenced = request.Method is not (SipMethods.Ack or SipMethods.Cancel);
            if (sequenced && RemoteSequence is { } remote && number < remote)
            {
                return SipDialogRequestVerdict.OutOfOrder;
            }

            if (sequenced)
            {
                RemoteSequence = number;
            }

            if (SipMethods.IsTargetRefresh(request.Method) && request.Contacts.FirstOrDefault() is { } contact)
            {
                RemoteTarget = contact.Uri;
            }

            if (request.Method == SipMethods.Bye)
            {
                TransitionTo(SipDialogState.Terminated);
            }

            return SipDialogRequestVerdict.Accepted;
        }
    }

    /// <summary>
    /// Builds an in-dialog request (§12.2.1.1) with the next local CSeq: To/From with the dialog's tags, Call-ID,
    /// and Request-URI and Route from the route set — loose routing when the first route has ";lr", else the
    /// strict-routing form of §12.2.1.1 with the remote target appended as the last Route.
    /// </summary>
    public SipRequest CreateRequest(string method, SipVia via, SipNameAddress? contact = null)
    {
        if (method is SipMethods.Ack or SipMethods.Cancel)
        {
            throw new ArgumentException("ACK and CANCEL reuse the CSeq of their INVITE; use CreateAck or InviteClientTransaction.CreateCancel.", nameof(method));
        }

        lock (_gate)
        {
            if (State == SipDialogState.Terminated)
            {
                throw new InvalidOperationException("The dialog has ended.");
            }

            // §12.2.1.1: an empty local sequence number starts at a value of our choosing.
            LocalSequence = LocalSequence is { } current ? current + 1 : RandomNumberGenerator.GetInt32(1, MaxInitialSequence);
            if (method == SipMethods.Bye)
            {
                TransitionTo(SipDialogState.Terminated);
            }

            return Build(method, LocalSequence.Value, via, contact);
        }
    }

    /// <summary>The ACK for a 2xx to the INVITE with CSeq <paramref name="inviteSequence"/> (§13.2.2.4): its own transaction, same CSeq number.</summary>
    public SipRequest CreateAck(long inviteSequence, SipVia via)
    {
        lock (_gate)
        {
            return Build(SipMethods.Ack, inviteSequence, via, contact: null);
        }
    }

    /// <summary>A REFER (RFC 3515) carrying <paramref name="referTo"/>, e.g. with Replaces for an attended transfer (RFC 3891).</summary>
    public SipRequest CreateRefer(SipVia via, SipReferTo referTo, SipNameAddress contact, SipNameAddress? referredBy = null)
    {
        var refer = CreateRequest(SipMethods.Refer, via, contact);
        refer.Headers.Add(SipHeaderNames.ReferTo, referTo.ToString());
        if (referredBy is not null)
        {
            refer.Headers.Add(SipHeaderNames.ReferredBy, referredBy.ToString());
        }

        return refer;
    }

    public void Terminate()
    {
        lock (_gate)
        {
            if (State != SipDialogState.Terminated)
            {
                TransitionTo(SipDialogState.Terminated);
            }
        }
    }

    private SipRequest Build(string method, long sequence, SipVia via, SipNameAddress? contact)
    {
        SipUri requestUri;
        var routes = new List<SipNameAddress>(_routeSet);
        if (routes.Count == 0 || routes[0].Uri.IsLooseRouter)
        {
            requestUri = RemoteTarget;
        }
        else
        {
            // Strict router (RFC 2543 style): it wants to be the Request-URI; the target travels as the last Route.
            requestUri = routes[0].Uri with { Headers = [] };
            routes.RemoveAt(0);
            routes.Add(new SipNameAddress { Uri = RemoteTarget });
        }

        var request = new SipRequest(method, requestUri);
        request.Headers.Add(SipHeaderNames.Via, via.ToString());
        request.Headers.Add(SipHeaderNames.MaxForwards, SipDefaults.MaxForwards);
        foreach (var route in routes)
        {
            request.Headers.Add(SipHeaderNames.Route, route.ToString());
        }

        request.From = LocalAddress.WithTag(Id.LocalTag);
        request.To = Id.RemoteTag.Length > 0 ? RemoteAddress.WithTag(Id.RemoteTag) : RemoteAddress;
        request.CallId = Id.CallId;
        request.CSeq = new SipCSeq(sequence, method);
        if (contact is not null)
        {
            request.Headers.Add(SipHeaderNames.Contact, contact.ToString());
        }

        return request;
    }

    private void TransitionTo(SipDialogState next)
    {
        if (!IsLegalTransition(State, next))
        {
            throw new SipTransactionStateException($"{nameof(SipDialog)}: illegal transition {State} -> {next}.");
        }

        State = next;
    }

    private static SipDialogState StateFor(SipResponse response) => response switch
    {
        { IsProvisional: true, StatusCode: > SipStatusCodes.Trying } => SipDialogState.Early,
        { IsSuccess: true } => SipDialogState.Confirmed,
        _ => throw new ArgumentException("Only a 101-199 with a To tag or a 2xx creates a dialog (§12.1).", nameof(response)),
    };

    private static SipNameAddress WithoutTag(SipNameAddress address) => address with { Parameters = address.Parameters.Without("tag") };
}
