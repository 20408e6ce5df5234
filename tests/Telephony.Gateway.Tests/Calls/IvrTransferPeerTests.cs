using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Tests.Peers;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// Transfer to an IVR node (CTI-2) against real peers: SIPp is the customer, baresip the agents' phones. The first
/// agent's phone REFERs the caller to <c>sip:ivr/NODE@gateway</c>; the agent is freed, the caller hears that node and
/// the menu goes on from it.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class IvrTransferPeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = GatewayRig.Generous;

    [PeerFact("sipp", "baresip")]
    public async Task A_REFER_to_an_IVR_node_frees_the_agent_and_the_menu_goes_on_from_that_node_to_the_next_agent()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        // A long wrap-up keeps the first agent out of the queue, so the call the menu queues again goes to the second.
        await rig.Grains.GetQueue(GatewayRig.Service).Configure(new QueueSettings
        {
            Id = GatewayRig.Service, RingTimeout = TimeSpan.FromSeconds(15), WrapUp = TimeSpan.FromMinutes(5),
        });
        var first = await rig.StartAgentPhoneAsync("agent-7");
        var (customer, callId, call, session) = await rig.ConnectCallerAsync("agent-7", first, TimeSpan.FromSeconds(90));
        // Registered only now, so that the customer's first ring is the first agent's.
        var second = await rig.StartAgentPhoneAsync("agent-8");
        await Task.Delay(TimeSpan.FromSeconds(2));

        // "lookup-failed" plays its prompt, then goes on to the "agent" node, which queues the caller again.
        var transfer = await first.TransferAsync($"sip:ivr/lookup-failed@{rig.Address}");
        Assert.True(transfer.Ok, transfer.Data);
        await GatewayRig.Eventually(() => Task.FromResult(session.IvrNode == "lookup-failed"), "the caller hears the node's prompt");
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
        Assert.Equal(CallParty.Agent, record.EndedBy);
        Assert.Equal(["agent-7", "agent-8"], record.HandledBy.ToArray());
        Assert.Equal([GatewayRig.Service, GatewayRig.Service], record.QueuePath.ToArray());
        Assert.EndsWith("-2.wav", record.RecordingPath);
    }
}
