namespace CallCenter.Telephony.Gateway.Tests;

/// <summary>
/// Tests that pace real RTP over loopback or drive real SIP peers: they run alone, after the others,
/// because a neighbour's CPU burst delays packets past the tick they are checked against (CI saw a
/// conference tick miss its packets and a recording miss the caller's audio while the transfer peer
/// tests ran beside them).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeCollection
{
    public const string Name = "real-time media";
}
