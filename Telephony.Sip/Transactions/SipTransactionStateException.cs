namespace CallCenter.Telephony.Sip.Transactions;

/// <summary>Thrown when a transaction is asked to do something its state machine does not allow.</summary>
public sealed class SipTransactionStateException(string message) : InvalidOperationException(message);
