using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Tests.Peers;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// Attended transfer (CTI-2; RFC 3515 REFER with RFC 3891 Replaces) against real peers: SIPp is the customer, a
/// SIPp scenario the transferring agent's phone (baresip 1.0.0 cannot send Replaces) and baresip the consulted
/// agent's phone. The agent's phone consults by dialling the other agent's id through the gateway, then REFERs the
/// caller's leg replacing the consultation; the gateway bridges the caller to the second agent.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class AttendedTransferPeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = GatewayRig.Generous;

    private static SippOptions AgentPhone(GatewayRig rig, string scenario, int port, TimeSpan pause) => new()
    {
        Scenario = PeerTools.Scenario(scenario), Service = "agent-7", LocalPort = port, MaxCalls = 1, PauseLength = pause,
        Keys = new Dictionary<string, string> { ["consult"] = "agent-8", ["gateway"] = rig.Address }, Timeout = TimeSpan.FromSeconds(90), TraceResponseTimes = false,
        ExtraArguments = ["-trace_msg"],
    };

    /// <summary>What the SIPp phone saw, for a failing test: its statistics, errors and every message it sent and received.</summary>
    private async Task ShowPhoneAsync(SippRun phone)
    {
        try
        {
            output.WriteLine((await phone.StopAsync(TimeSpan.FromSeconds(5))).Describe());
            foreach (var log in Directory.EnumerateFiles(phone.Folder, "*_messages.log"))
            {
                output.WriteLine(File.ReadAllText(log));
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            output.WriteLine($"SIPp phone's log unavailable: {ex.Message}");
        }
    }

    [PeerFact("sipp", "baresip")]
    public async Task After_a_consultation_a_REFER_with_Replaces_hands_the_caller_to_the_consulted_agent_with_one_record()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var port = await rig.RegisterSippPhoneAsync("agent-7");
        var second = await rig.StartAgentPhoneAsync("agent-8", queue: null);
        await using var firstPhone = SippRun.Start(AgentPhone(rig, "uas-agent-attended-transfer.xml", port, TimeSpan.FromSeconds(4)));
        try
        {
            var call = await rig.ConnectCallerAsync("agent-7");
            // The consultation: the second agent's phone rings through its agent grain and answers; the caller hears music.
            await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
            await GatewayRig.Eventually(() => Task.FromResult(call.Session.ConsultedAgent == "agent-8" && call.Session.IsCallerHeld), "the caller waits while the agents talk");
            Assert.Equal("agent-8", await call.Call.GetConsultedAgent());
            Assert.Equal(["agent-7"], call.Session.AgentsOnCall);

            // The REFER: 202, NOTIFY 100 and 200 (sipfrag), BYE of the consultation, BYE of the first agent's leg.
            var transferor = await firstPhone.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(transferor.AllCallsSucceeded, transferor.Describe());
            await GatewayRig.Eventually(() => Task.FromResult(call.Session.AgentsOnCall.SequenceEqual(["agent-8"]) && !call.Session.IsCallerHeld), "the caller talks with the second agent");
            var snapshot = await call.Call.GetSnapshot();
            Assert.Equal(CallState.Connected, snapshot.State);
            Assert.Equal("agent-8", snapshot.AgentId);
            Assert.Null(await call.Call.GetConsultedAgent());
            Assert.NotEqual(AgentState.OnCall, (await rig.Grains.GetAgent("agent-7").GetSnapshot()).State);
            Assert.Equal(call.CallId, (await rig.Grains.GetAgent("agent-8").GetSnapshot()).CallId);
            await Task.Delay(TimeSpan.FromSeconds(2));

            await second.HangupAsync();
            var customer = await call.Customer;
            Assert.True(customer.AllCallsSucceeded, customer.Describe());
            var record = await rig.WaitForRecord(r => r.CallId == call.CallId, "the call's one record");
            Assert.Single(rig.Records.All, r => r.CallId == call.CallId);
            Assert.Equal(CallOutcome.Completed, record.Outcome);
            Assert.Equal(CallParty.Agent, record.EndedBy);
            Assert.Equal(["agent-7", "agent-8"], record.HandledBy.ToArray());
            Assert.Equal("agent-8", record.AgentId);
            // The second agent's conversation with the caller has its own recording.
            Assert.NotNull(record.RecordingPath);
            Assert.EndsWith("-2.wav", record.RecordingPath);
            await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no caller left in the gateway");
        }
        finally
        {
            await ShowPhoneAsync(firstPhone);
        }
    }

    [PeerFact("sipp")]
    public async Task A_REFER_whose_Replaces_names_no_dialog_is_answered_481_by_NOTIFY_and_changes_nothing()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var port = await rig.RegisterSippPhoneAsync("agent-7");
        // The phone's scenario fails unless the NOTIFYs say 100 and then 481; then it talks on and hangs up itself.
        await using var phone = SippRun.Start(AgentPhone(rig, "uas-agent-bad-replaces.xml", port, TimeSpan.FromSeconds(4)));
        try
        {
            var call = await rig.ConnectCallerAsync("agent-7");
            var agentPhone = await phone.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(agentPhone.AllCallsSucceeded, agentPhone.Describe());

            var customer = await call.Customer;
            Assert.True(customer.AllCallsSucceeded, customer.Describe());
            var record = await rig.WaitForRecord(r => r.CallId == call.CallId, "the call's one record");
            Assert.Single(rig.Records.All, r => r.CallId == call.CallId);
            Assert.Equal(CallOutcome.Completed, record.Outcome);
            // The call stayed the first agent's to the end: its own hang-up ended it, nobody else handled it, one recording.
            Assert.Equal(CallParty.Agent, record.EndedBy);
            Assert.Equal(["agent-7"], record.HandledBy.ToArray());
            Assert.Equal("agent-7", record.AgentId);
            Assert.EndsWith($"{call.CallId}.wav", record.RecordingPath);
        }
        finally
        {
            await ShowPhoneAsync(phone);
        }
    }

    [PeerFact("sipp", "baresip")]
    public async Task When_the_consulted_agent_hangs_up_first_the_caller_is_back_with_the_first_agent()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var port = await rig.RegisterSippPhoneAsync("agent-7");
        var second = await rig.StartAgentPhoneAsync("agent-8", queue: null);
        // After the consultation ends the first agent talks with the caller for -d, then hangs up.
        await using var firstPhone = SippRun.Start(AgentPhone(rig, "uas-agent-consult-abandoned.xml", port, TimeSpan.FromSeconds(6)));
        try
        {
            var call = await rig.ConnectCallerAsync("agent-7");
            await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
            await GatewayRig.Eventually(() => Task.FromResult(call.Session.ConsultedAgent == "agent-8" && call.Session.IsCallerHeld), "the consultation is on");

            await second.HangupAsync();
            await GatewayRig.Eventually(() => Task.FromResult(call.Session.ConsultedAgent is null && !call.Session.IsCallerHeld), "the caller retrieved");
            Assert.Equal(["agent-7"], call.Session.AgentsOnCall);
            Assert.Equal(CallerPhase.Connected, call.Session.Phase);
            var snapshot = await call.Call.GetSnapshot();
            Assert.Equal(CallState.Connected, snapshot.State);
            Assert.Equal("agent-7", snapshot.AgentId);
            Assert.Null(await call.Call.GetConsultedAgent());
            await GatewayRig.Eventually(async () => (await rig.Grains.GetAgent("agent-8").GetSnapshot()).State != AgentState.OnCall, "the consulted agent is off the call");

            var transferor = await firstPhone.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(transferor.AllCallsSucceeded, transferor.Describe());
            var customer = await call.Customer;
            Assert.True(customer.AllCallsSucceeded, customer.Describe());
            var record = await rig.WaitForRecord(r => r.CallId == call.CallId, "the call's one record");
            Assert.Single(rig.Records.All, r => r.CallId == call.CallId);
            Assert.Equal(CallOutcome.Completed, record.Outcome);
            Assert.Equal(CallParty.Agent, record.EndedBy);
            // A consultation that ended before the hand-over leaves the consulted agent off the record.
            Assert.Equal(["agent-7"], record.HandledBy.ToArray());
        }
        finally
        {
            await ShowPhoneAsync(firstPhone);
        }
    }
}
