using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Tests.Peers;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// Supervisor monitoring (WB-2) against real peers: SIPp is the customer, baresip the agent's phone and a second
/// baresip the supervisor's phone, registered with digest like an agent's. RTP must reach the supervisor, the mode
/// changes live, and the supervisor's hang-up leaves the caller and the agent talking.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class MonitoringPeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(40);

    [PeerFact("sipp", "baresip")]
    public async Task A_supervisor_phone_listens_then_whispers_then_barges_and_its_hang_up_leaves_the_call_connected()
    {
        await using var rig = await GatewayRig.StartAsync(output, o => o.Supervisors = new(StringComparer.Ordinal) { ["boss-1"] = "b0ss" });
        var agentPhone = await rig.StartAgentPhoneAsync("agent-7");
        await using var supervisorPhone = await BaresipPhone.StartAsync(new BaresipAccount("boss-1", rig.Address, "b0ss"));
        try
        {
            await supervisorPhone.WaitForRegistrationAsync(Generous);
            // A supervisor's phone is not an agent: it never logs in and takes no queue calls.
            Assert.Equal(CallCenter.Agents.AgentState.LoggedOut, (await rig.Grains.GetAgent("boss-1").GetSnapshot()).State);

            var (customer, callId, call, session) = await rig.ConnectCallerAsync("agent-7", agentPhone, TimeSpan.FromSeconds(90));

            // The gateway attaches the call's media host while the caller waits; on a loaded machine it may lag the answer.
            await GatewayRig.Eventually(async () =>
            {
                try
                {
                    await call.Monitor("boss-1", MonitorMode.Listen);
                    return true;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            }, "the call accepts monitoring");
            await supervisorPhone.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
            await GatewayRig.Eventually(async () => (await call.GetMonitors()).SingleOrDefault()?.Status == MonitorStatus.Joined, "the supervisor joined");
            await GatewayRig.Eventually(() => Task.FromResult(session.Supervisors.SingleOrDefault()?.Role == ConferenceRole.Listener), "the supervisor listens in the mix");
            // RTP flows both ways with the supervisor's phone: the mix reaches it, and its own audio arrives (unheard while listening).
            await GatewayRig.Eventually(() => Task.FromResult(session.Supervisors.Single() is { PacketsSent: > 50, PacketsReceived: > 50 }), "RTP with the supervisor's phone");

            await call.Monitor("boss-1", MonitorMode.Whisper);
            await GatewayRig.Eventually(() => Task.FromResult(session.Supervisors.Single().Role == ConferenceRole.Whisperer), "the supervisor whispers");
            await call.Monitor("boss-1", MonitorMode.Barge);
            await GatewayRig.Eventually(() => Task.FromResult(session.Supervisors.Single().Role == ConferenceRole.Speaker), "the supervisor barged in");
            Assert.Equal(MonitorStatus.Joined, (await call.GetMonitors()).Single().Status);

            await supervisorPhone.HangupAsync();
            await GatewayRig.Eventually(async () => (await call.GetMonitors()).Count == 0, "the supervisor left");
            await GatewayRig.Eventually(() => Task.FromResult(!session.IsMixed), "caller and agent back on a plain bridge");
            // The caller and the agent are untouched: still connected, the agent still on the call.
            Assert.Equal(CallState.Connected, (await call.GetSnapshot()).State);
            Assert.Equal(callId, (await rig.Grains.GetAgent("agent-7").GetSnapshot()).CallId);
            Assert.Equal(CallerPhase.Connected, session.Phase);

            await agentPhone.HangupAsync();
            var result = await customer;
            Assert.True(result.AllCallsSucceeded, result.Describe());
            var record = await rig.WaitForRecord(r => r.CallId == callId, "the call's one record");
            Assert.Equal(CallOutcome.Completed, record.Outcome);
            Assert.Equal(CallParty.Agent, record.EndedBy);
            Assert.Equal(new[] { "agent-7" }, record.HandledBy.ToArray());
            // What the supervisor's phone decoded; reported, not asserted (baresip's dump may be incomplete on a loaded machine).
            output.WriteLine($"supervisor phone received peak amplitude {supervisorPhone.ReceivedPeakAmplitude()}");
        }
        finally
        {
            output.WriteLine(supervisorPhone.Log);
        }
    }
}
