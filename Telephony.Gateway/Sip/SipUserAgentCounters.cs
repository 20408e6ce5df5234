namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>
/// What the user agent holds and has done. The gauges (transactions, dialogs) return to zero once every call
/// has ended and the RFC 3261 wait timers have run out; a leak shows up here first.
/// </summary>
public sealed class SipUserAgentCounters
{
    private readonly Func<int> _clientTransactions;
    private readonly Func<int> _serverTransactions;
    private readonly Func<int> _dialogs;
    private long _incomingCalls;
    private long _outgoingCalls;
    private long _clientErrorsSent;
    private long _serverErrorsSent;
    private long _malformedDropped;

    internal SipUserAgentCounters(Func<int> clientTransactions, Func<int> serverTransactions, Func<int> dialogs)
    {
        _clientTransactions = clientTransactions;
        _serverTransactions = serverTransactions;
        _dialogs = dialogs;
    }

    public int ClientTransactions => _clientTransactions();

    public int ServerTransactions => _serverTransactions();

    public int Transactions => ClientTransactions + ServerTransactions;

    /// <summary>Calls (dialogs, early or confirmed, and INVITEs not yet answered) that have not ended.</summary>
    public int Dialogs => _dialogs();

    public long IncomingCalls => Interlocked.Read(ref _incomingCalls);

    public long OutgoingCalls => Interlocked.Read(ref _outgoingCalls);

    public long ClientErrorsSent => Interlocked.Read(ref _clientErrorsSent);

    public long ServerErrorsSent => Interlocked.Read(ref _serverErrorsSent);

    /// <summary>Messages that could not be parsed (a 400 went back when the request could be routed).</summary>
    public long MalformedDropped => Interlocked.Read(ref _malformedDropped);

    internal void IncomingCall() => Interlocked.Increment(ref _incomingCalls);

    internal void OutgoingCall() => Interlocked.Increment(ref _outgoingCalls);

    internal void Malformed() => Interlocked.Increment(ref _malformedDropped);

    internal static void RequestReceived(string method) => Metrics.GatewayMeter.RequestReceived(method);

    internal void ResponseSent(int statusCode)
    {
        Metrics.GatewayMeter.ResponseSent(statusCode);
        if (statusCode is >= 400 and < 500)
        {
            Interlocked.Increment(ref _clientErrorsSent);
        }
        else if (statusCode is >= 500 and < 600)
        {
            Interlocked.Increment(ref _serverErrorsSent);
        }
    }
}
