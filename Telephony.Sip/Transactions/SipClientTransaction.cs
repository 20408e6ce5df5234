using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>What a client transaction reports to its transaction user (RFC 3261 §17.1).</summary>
public interface ISipClientTransactionUser
{
    /// <summary>A provisional or final response, and for INVITE every 2xx retransmission in Accepted (RFC 6026).</summary>
    void OnResponse(SipClientTransaction transaction, SipResponse response);

    /// <summary>Timer B or F fired: no final response; treat as 408 (§8.1.3.1).</summary>
    void OnTimeout(SipClientTransaction transaction);

    /// <summary>The transport could not send the request (§17.1.1.2, §17.1.2.2); treat as 503 (§8.1.3.1).</summary>
    void OnTransportError(SipClientTransaction transaction);
}

public abstract class SipClientTransaction : SipTransaction
{
    private protected SipClientTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time, ISipClientTransactionUser user)
        : base(request, key, transport, remote, options, time)
    {
        User = user;
        RequestBytes = Serialize(request);
    }

    private protected ISipClientTransactionUser User { get; }

    private protected byte[] RequestBytes { get; }

    /// <summary>Retransmits the request over unreliable transports: Timer A (INVITE) or E (non-INVITE).</summary>
    private protected abstract SipTransactionTimer RetransmitTimer { get; }

    /// <summary>Bounds the wait for a final response: Timer B (INVITE) or F (non-INVITE).</summary>
    private protected abstract SipTransactionTimer TimeoutTimer { get; }

    /// <summary>Moves the state machine to Terminated (called under <see cref="SipTransaction.Gate"/>).</summary>
    private protected abstract void EnterTerminated();

    /// <summary>
    /// Sends the request and starts the timers (§17.1.1.2, §17.1.2.2): the retransmission timer at T1
    /// over unreliable transports only, the timeout timer always. A request the transport cannot send
    /// ends the transaction at once as a transport error (§8.1.3.1).
    /// </summary>
    internal void Start()
    {
        bool failed;
        lock (Gate)
        {
            failed = !SendBytes(RequestBytes);
            if (failed)
            {
                EnterTerminated();
            }
            else
            {
                if (!IsReliable)
                {
                    RetransmitTimer.Start(Options.T1);
                }

                TimeoutTimer.Start(Options.TransactionTimeout);
            }
        }

        if (failed)
        {
            User.OnTransportError(this);
            NotifyTerminated();
        }
    }

    internal abstract void ReceiveResponse(SipResponse response);

    /// <summary>Client matching key (§17.1.3): the top Via branch and the CSeq method.</summary>
    public static string CreateKey(string branch, string cseqMethod) => $"{branch}|{cseqMethod}";
}
