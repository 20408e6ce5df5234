using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Tests.Peers;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// Transfer and conference started from the agent desktop (CTI-2), that is through the agent grain and not by the
/// phone's REFER, against real peers: SIPp is the customer, baresip the agents' phones. The gateway takes the caller
/// off the first agent's conversation before the target rings, hangs up the first agent's phone once the transfer is
/// taken, and bridges the target's answer as the caller's new conversation; a conference rings the second agent into
/// the same call.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class DesktopTransferPeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = GatewayRig.Generous;

    [PeerFact("sipp", "baresip")]
    public async Task A_desktop_transfer_to_an_agent_hangs_up_the_first_phone_and_bridges_the_caller_to_the_second()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        await rig.Grains.GetQueue(GatewayRig.Service).Configure(new QueueSettings
        {
            Id = GatewayRig.Service, RingTimeout = TimeSpan.FromSeconds(15), WrapUp = TimeSpan.FromMinutes(5),
        });
        var first = await rig.StartAgentPhoneAsync("agent-7");
        var (customer, callId, call, session) = await rig.ConnectCallerAsync("agent-7", first, TimeSpan.FromSeconds(90));
        var second = await rig.StartAgentPhoneAsync("agent-8");
        await Task.Delay(TimeSpan.FromSeconds(2));

        // A refused transfer (no such agent ready) leaves the caller with the first agent.
        var refused = await rig.Grains.GetAgent("agent-7").Transfer(TransferTarget.ToAgent("agent-nobody"));
        Assert.False(refused.Accepted);
        await GatewayRig.Eventually(() => Task.FromResult(session.Phase == CallerPhase.Connected && session.AgentsOnCall.SequenceEqual(["agent-7"])), "the caller talks with the first agent again");

        var transfer = await rig.Grains.GetAgent("agent-7").Transfer(TransferTarget.ToAgent("agent-8"));
        Assert.True(transfer.Accepted, transfer.Reason);
        await first.WaitForEventAsync("CALL_CLOSED", Generous);
        Assert.Equal(AgentState.WrapUp, (await rig.Grains.GetAgent("agent-7").GetSnapshot()).State);

        await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        await GatewayRig.Eventually(() => Task.FromResult(session.Phase == CallerPhase.Connected && session.AgentsOnCall.SequenceEqual(["agent-8"])), "the caller talks with the second agent");
        Assert.Equal("agent-8", (await call.GetSnapshot()).AgentId);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await second.HangupAsync();

        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the call's one record");
        Assert.Single(rig.Records.All, r => r.CallId == callId);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(["agent-7", "agent-8"], record.HandledBy.ToArray());
    }

    [PeerFact("sipp", "baresip")]
    public async Task A_desktop_conference_rings_the_second_agent_into_the_call_and_the_caller_stays_when_the_first_leaves()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var first = await rig.StartAgentPhoneAsync("agent-7");
        var (customer, callId, call, session) = await rig.ConnectCallerAsync("agent-7", first, TimeSpan.FromSeconds(90));
        var second = await rig.StartAgentPhoneAsync("agent-8");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var added = await rig.Grains.GetAgent("agent-7").AddToCall("agent-8");
        Assert.True(added.Accepted, added.Reason);
        await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        await GatewayRig.Eventually(() => Task.FromResult(session.AgentsOnCall.OrderBy(a => a, StringComparer.Ordinal).SequenceEqual(["agent-7", "agent-8"])), "both agents are on the call");

        await first.HangupAsync();
        await GatewayRig.Eventually(() => Task.FromResult(session.Phase == CallerPhase.Connected && session.AgentsOnCall.SequenceEqual(["agent-8"])), "the caller stays with the second agent");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await second.HangupAsync();

        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the call's one record");
        Assert.Contains("agent-8", record.HandledBy);
    }
}
