using System.Net;
using System.Security.Cryptography;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>Why a server transaction ended without the exchange completing.</summary>
public enum SipServerTransactionFailure
{
    /// <summary>Timer H fired: no ACK for a failure response (§17.2.1).</summary>
    AckTimeout,

    /// <summary>The transport could not send a response (§17.2.4).</summary>
    TransportError,
}

public abstract class SipServerTransaction : SipTransaction
{
    private const int ToTagBytes = 8;

    private protected SipServerTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time)
        : base(request, key, transport, remote, options, time)
    {
        // §8.2.6.2: every response to one request that creates a dialog carries the same To tag.
        ToTag = request.To?.Tag ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(ToTagBytes));
    }

    /// <summary>The To tag of our responses: the request's own for in-dialog requests, else one chosen here.</summary>
    public string ToTag { get; }

    /// <summary>Called by the layer when the transaction fails; set before the transaction can fire timers.</summary>
    internal Action<SipServerTransaction, SipServerTransactionFailure>? FailureHandler { get; set; }

    /// <summary>A response to <see cref="SipTransaction.Request"/> built per §8.2.6 with this transaction's To tag.</summary>
    public SipResponse CreateResponse(int statusCode, string? reasonPhrase = null) =>
        SipResponse.CreateFor(Request, statusCode, ToTag, reasonPhrase);

    /// <summary>Sends a response from the TU through the state machine; illegal in the wrong state.</summary>
    public abstract void SendResponse(SipResponse response);

    internal abstract void ReceiveRetransmission(SipRequest request);

    private protected void NotifyFailure(SipServerTransactionFailure failure) => FailureHandler?.Invoke(this, failure);

    /// <summary>
    /// Server matching key (§17.2.3): branch, sent-by and method, with ACK matching INVITE. Requests from
    /// pre-RFC 3261 elements (no magic cookie) fall back to the dialog and request identifiers of §17.2.3.
    /// </summary>
    public static string CreateKey(SipRequest request) => CreateKey(request, request.Method);

    /// <summary>The key of the transaction <paramref name="request"/> would belong to if it had <paramref name="method"/>; CANCEL uses INVITE (§9.2).</summary>
    public static string CreateKey(SipRequest request, string method)
    {
        var via = request.TopVia!;
        method = method == SipMethods.Ack ? SipMethods.Invite : method;
        if (via.HasRfc3261Branch)
        {
            return $"{via.Branch}|{via.SentBy.ToLowerInvariant()}|{method}";
        }

        var cseq = request.CSeq!.Value;
        return $"rfc2543|{request.RequestUri}|{request.From?.Tag}|{request.CallId}|{cseq.Number}|{method}|{via}";
    }
}
