using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Tests.Peers;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// Three-way conference (CTI-2) against real peers: SIPp is the customer, two baresip phones the agents. The first
/// agent adds the second; all three talk through the mixer; when the first leaves, the caller and the second agent
/// stay connected, and the one record names both agents.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class ConferencePeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(40);

    [PeerFact("sipp", "baresip")]
    public async Task An_agent_adds_a_second_agent_phone_and_when_it_leaves_the_caller_stays_with_the_second()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var first = await rig.StartAgentPhoneAsync("agent-7");
        // The second agent is in no queue: only the conference rings its phone.
        var second = await rig.StartAgentPhoneAsync("agent-8", queue: null);
        var (customer, callId, call, session) = await rig.ConnectCallerAsync("agent-7", first, TimeSpan.FromSeconds(90));

        Assert.True((await rig.Grains.GetAgent("agent-7").AddToCall("agent-8")).Accepted);
        await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        await GatewayRig.Eventually(async () => (await call.GetAgentsOnCall()).Count == 2, "the second agent joined the call");
        await GatewayRig.Eventually(() => Task.FromResult(session.AgentsOnCall.Count == 2 && session.IsMixed), "three parties in the mixer");

        await first.HangupAsync();
        await GatewayRig.Eventually(async () => (await call.GetAgentsOnCall()).SequenceEqual(["agent-8"]), "the first agent left");
        await GatewayRig.Eventually(() => Task.FromResult(session.AgentsOnCall.SequenceEqual(["agent-8"]) && !session.IsMixed), "caller and second agent on a bridge");
        Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
        Assert.Equal(CallerPhase.Connected, session.Phase);
        await Task.Delay(TimeSpan.FromSeconds(2));

        await second.HangupAsync();
        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the call's one record");
        Assert.Single(rig.Records.All, r => r.CallId == callId);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(new[] { "agent-7", "agent-8" }, record.HandledBy.ToArray());
        Assert.Equal("agent-8", record.AgentId);
        // The second agent's conversation with the caller after the first left has its own recording, with its phone's audio.
        Assert.NotNull(record.RecordingPath);
        Assert.EndsWith("-2.wav", record.RecordingPath);
        output.WriteLine($"second agent's phone received peak amplitude {second.ReceivedPeakAmplitude()}");
    }

    [PeerFact("sipp", "baresip")]
    public async Task When_the_caller_hangs_up_in_a_conference_both_agents_are_released_and_the_call_ends_once_with_every_party_recorded()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var first = await rig.StartAgentPhoneAsync("agent-7");
        var second = await rig.StartAgentPhoneAsync("agent-8", queue: null);
        // The customer hangs up 15 s after pressing 0, before baresip's 20 s audio source runs out and it hangs up itself.
        var (customer, callId, call, session) = await rig.ConnectCallerAsync("agent-7", first, TimeSpan.FromSeconds(90), hangUpAfter: TimeSpan.FromSeconds(15));
        Assert.True((await rig.Grains.GetAgent("agent-7").AddToCall("agent-8")).Accepted);
        await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        await GatewayRig.Eventually(() => Task.FromResult(session.AgentsOnCall.Count == 2 && session.IsMixed), "three parties in the mixer");

        // The customer hangs up: the conference ends for everyone, once.
        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        await first.WaitForEventAsync("CALL_CLOSED", Generous);
        await second.WaitForEventAsync("CALL_CLOSED", Generous);
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the call's one record");
        await GatewayRig.Eventually(async () => (await rig.Grains.GetAgent("agent-8").GetSnapshot()).State != CallCenter.Agents.AgentState.OnCall
            && (await rig.Grains.GetAgent("agent-7").GetSnapshot()).State != CallCenter.Agents.AgentState.OnCall, "both agents off the call");
        Assert.Single(rig.Records.All, r => r.CallId == callId);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Caller, record.EndedBy);
        Assert.Equal(new[] { "agent-7", "agent-8" }, record.HandledBy.ToArray());
        // The conversation's one recording carries the agents (both phones' audio on the agent channel).
        Assert.NotNull(record.RecordingPath);
        Assert.EndsWith($"{callId}.wav", record.RecordingPath);
        var samples = CallCenter.Telephony.Sip.Rtp.WavFile.Read(File.ReadAllBytes(record.RecordingPath)).ToPcm16();
        var agentPeak = 0;
        for (var i = 1; i < samples.Length; i += 2)
        {
            agentPeak = Math.Max(agentPeak, Math.Abs((int)samples[i]));
        }
        Assert.True(agentPeak > 64, $"agent channel peak {agentPeak}");
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no caller left in the gateway");
    }
}
