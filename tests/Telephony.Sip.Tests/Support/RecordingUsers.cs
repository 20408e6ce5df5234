using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transactions;

namespace CallCenter.Telephony.Sip.Tests.Support;

internal sealed class RecordingClientUser : ISipClientTransactionUser
{
    public List<SipResponse> Responses { get; } = [];

    public int Timeouts { get; private set; }

    public int TransportErrors { get; private set; }

    public void OnResponse(SipClientTransaction transaction, SipResponse response) => Responses.Add(response);

    public void OnTimeout(SipClientTransaction transaction) => Timeouts++;

    public void OnTransportError(SipClientTransaction transaction) => TransportErrors++;
}

internal sealed class RecordingTransactionUser : ISipTransactionUser
{
    public Action<SipServerTransaction>? Answer { get; set; }

    public List<SipServerTransaction> Requests { get; } = [];

    public List<SipRequest> Acks { get; } = [];

    public List<(InviteServerTransaction Invite, SipRequest Cancel)> Cancels { get; } = [];

    public List<(SipServerTransaction Transaction, SipServerTransactionFailure Failure)> Failures { get; } = [];

    public List<SipResponse> StrayResponses { get; } = [];

    public List<SipParseException> Malformed { get; } = [];

    public void OnRequest(SipServerTransaction transaction)
    {
        Requests.Add(transaction);
        Answer?.Invoke(transaction);
    }

    public void OnAck(SipRequest ack, SipInboundContext context) => Acks.Add(ack);

    public void OnCancel(InviteServerTransaction invite, SipRequest cancel) => Cancels.Add((invite, cancel));

    public void OnServerTransactionFailed(SipServerTransaction transaction, SipServerTransactionFailure failure) => Failures.Add((transaction, failure));

    public void OnStrayResponse(SipResponse response, SipInboundContext context) => StrayResponses.Add(response);

    public void OnMalformedMessage(SipParseException error, SipInboundContext context) => Malformed.Add(error);
}
