using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>
/// What all four transaction state machines share (RFC 3261 §17): the request that created them, the
/// transport and peer they talk to, the timers' clock, and a lock that serializes every event — network,
/// timer or TU — so each machine sees one event at a time. TU callbacks run after the lock is released.
/// </summary>
public abstract class SipTransaction
{
    private Action<SipTransaction>? _onTerminated;

    private protected SipTransaction(SipRequest request, string key, ISipTransport transport, IPEndPoint remote, SipTransactionOptions options, TimeProvider time)
    {
        Request = request;
        Key = key;
        Transport = transport;
        Remote = remote;
        Options = options;
        Time = time;
    }

    /// <summary>The request that created the transaction (for a client: as sent; for a server: as received).</summary>
    public SipRequest Request { get; }

    /// <summary>The matching key (§17.1.3 / §17.2.3).</summary>
    public string Key { get; }

    public ISipTransport Transport { get; }

    /// <summary>Where requests (client) or responses (server) are sent.</summary>
    public IPEndPoint Remote { get; }

    public abstract bool IsTerminated { get; }

    private protected SipTransactionOptions Options { get; }

    private protected TimeProvider Time { get; }

    private protected object Gate { get; } = new();

    private protected bool IsReliable => Transport.IsReliable;

    internal void SetTerminationHandler(Action<SipTransaction> onTerminated) => _onTerminated = onTerminated;

    private protected bool SendBytes(byte[] bytes) => Transport.Send(bytes, Remote);

    private protected static byte[] Serialize(SipMessage message) => SipMessageWriter.Write(message);

    /// <summary>Called by subclasses, outside their lock, once they reach Terminated.</summary>
    private protected void NotifyTerminated() => _onTerminated?.Invoke(this);

    private protected SipTransactionTimer CreateTimer(Action onFire) => new(Time, onFire);

    private protected static void ThrowIllegal(string machine, object from, object to) =>
        throw new SipTransactionStateException($"{machine}: illegal transition {from} -> {to}.");
}
