using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Tests.Peers;
using CallCenter.Telephony.Sip.Rtp;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// The gateway against real peers from Debian on 127.0.0.1: SIPp as the customer (IVR digits as
/// RFC 4733 events, G.711 audio), the gateway's simulated agent phones and baresip as agents'
/// phones registering with digest authentication. Each call's one record is checked in the ACD.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class GatewayPeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(40);

    private static bool IsSipCall(CallDetailRecord record) => record.CallId.StartsWith("sip-", StringComparison.Ordinal);

    [PeerFact("sipp")]
    public async Task A_caller_who_presses_0_reaches_a_simulated_agent_phone_and_the_call_is_recorded_both_ways()
    {
        // A fixed talk time: an exponential one is shorter than the agent phone's first tone about one
        // call in twenty, and the recording then has no agent audio to check.
        await using var rig = await GatewayRig.StartAsync(output, o => { o.DemoAgents = 1; o.DemoHandleSeconds = 2; o.DemoHandleExponential = false; o.DemoAnswerSeconds = 0.5; });
        await rig.WaitForAgentReady(DemoAgentPhones.AgentIdOf(1));

        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-dtmf-agent.xml"), Remote = rig.Address, MaxCalls = 1, Timeout = Generous,
        });

        Assert.True(customer.AllCallsSucceeded, customer.Describe());
        var record = await rig.WaitForRecord(IsSipCall, "the call's record");
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(DemoAgentPhones.AgentIdOf(1), record.AgentId);
        Assert.Equal([GatewayRig.Service], record.QueuePath.ToArray());
        Assert.Equal("1000", record.AttachedData["dialled"]);
        Assert.Equal(1, rig.Gateway.DemoPhones!.Answered);
        // Both sides were heard: the agent phone's tone on the right; the customer's pcap audio on the left when SIPp can play it.
        Assert.NotNull(record.RecordingPath);
        var (caller, agent) = PeakPerChannel(record.RecordingPath);
        Assert.True(agent > 1000, $"agent channel peak {agent}");
        if (PeerTools.CanPlayRtp)
        {
            Assert.True(caller > 64, $"caller channel peak {caller} (G.711 silence decodes below 64)");
        }
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no caller left in the gateway");
    }

    [PeerFact("sipp", "baresip")]
    public async Task A_baresip_agent_phone_registers_with_digest_answers_the_caller_and_its_hang_up_ends_both_legs()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var phone = await rig.StartAgentPhoneAsync("agent-7");
        var (customer, _, _, _) = await rig.ConnectCallerAsync("agent-7", phone, Generous);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await phone.HangupAsync();

        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(IsSipCall, "the call's record");
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Agent, record.EndedBy);
        Assert.Equal("agent-7", record.AgentId);
        // Media flowed into the bridge from both phones: the recording has the agent phone's audio
        // source on the right and, when SIPp can play its pcaps, the customer's on the left.
        Assert.NotNull(record.RecordingPath);
        var (caller, agent) = PeakPerChannel(record.RecordingPath);
        Assert.True(agent > 64, $"agent channel peak {agent}");
        if (PeerTools.CanPlayRtp)
        {
            Assert.True(caller > 64, $"caller channel peak {caller}");
        }
        // What the agent's phone decoded (its dump is written when baresip closes the call); reported, not
        // asserted: under a loaded CI machine baresip's dump is not always complete when the call ends.
        output.WriteLine($"agent phone received peak amplitude {phone.ReceivedPeakAmplitude()}");
    }

    [PeerFact("sipp", "baresip")]
    public async Task A_blind_transfer_between_two_baresip_agent_phones_moves_the_caller_to_the_second_agent_with_one_record()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var first = await rig.StartAgentPhoneAsync("agent-7");
        // The second agent is in no queue: only the transfer can ring its phone.
        var second = await rig.StartAgentPhoneAsync("agent-8", queue: null);
        var (customer, _, _, _) = await rig.ConnectCallerAsync("agent-7", first);
        await Task.Delay(TimeSpan.FromSeconds(2));

        // baresip's transfer is a blind REFER on the agent's leg (RFC 3515).
        var transfer = await first.TransferAsync($"sip:agent-8@{rig.Address}");
        Assert.True(transfer.Ok, transfer.Data);

        var established = await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        output.WriteLine($"second agent's phone established: {established.Raw}");
        await first.WaitForEventAsync("CALL_CLOSED", Generous);
        Assert.True(IsOffTheCall(await rig.Grains.GetAgent("agent-7").GetSnapshot()));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await second.HangupAsync();

        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(IsSipCall, "the call's one record");
        Assert.Single(rig.Records.All, IsSipCall);
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(new[] { "agent-7", "agent-8" }, record.HandledBy.ToArray());
        Assert.Equal("agent-8", record.AgentId);
        Assert.Equal(CallParty.Agent, record.EndedBy);
        // Media flowed between the caller and the second agent: its conversation has its own recording,
        // with the second phone's audio on the right and, when SIPp can play its pcaps, the caller's on the left.
        Assert.NotNull(record.RecordingPath);
        Assert.EndsWith("-2.wav", record.RecordingPath);
        var (caller, agent) = PeakPerChannel(record.RecordingPath);
        Assert.True(agent > 64, $"second agent channel peak {agent}");
        if (PeerTools.CanPlayRtp)
        {
            Assert.True(caller > 64, $"caller channel peak {caller}");
        }
        output.WriteLine($"second agent's phone received peak amplitude {second.ReceivedPeakAmplitude()}");
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no caller left in the gateway");
    }

    [PeerFact("sipp", "baresip")]
    public async Task A_transfer_to_an_agent_who_is_not_ready_is_declined_and_rings_nobody()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var first = await rig.StartAgentPhoneAsync("agent-7");
        await rig.Grains.GetAgent("agent-9").Configure(new CallCenter.Agents.AgentProfile { Id = "agent-9" });
        var (customer, _, _, _) = await rig.ConnectCallerAsync("agent-7", first);
        // The agent talks a moment first (the customer's scenario expects the far end's BYE only once its audio plays).
        await Task.Delay(TimeSpan.FromSeconds(2));

        // agent-9 is logged out: the gateway declines the REFER (603) and the call stays agent-7's
        // (baresip 1.0.0 then hangs up on its own, which ends the call as the agent's hang-up).
        await first.TransferAsync($"sip:agent-9@{rig.Address}");

        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(IsSipCall, "the call's one record");
        Assert.Equal(new[] { "agent-7" }, record.HandledBy.ToArray());
        Assert.Equal(CallOutcome.Completed, record.Outcome);
        Assert.Equal(CallParty.Agent, record.EndedBy);
        Assert.Equal(CallCenter.Agents.AgentState.LoggedOut, (await rig.Grains.GetAgent("agent-9").GetSnapshot()).State);
    }

    [PeerFact("sipp", "baresip")]
    public async Task A_transfer_to_a_queue_by_REFER_rings_that_queues_agent_and_the_record_names_both_queues()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        await rig.Grains.GetQueue("billing").Configure(new CallCenter.Acd.QueueSettings { Id = "billing" });
        var first = await rig.StartAgentPhoneAsync("agent-7");
        var second = await rig.StartAgentPhoneAsync("agent-8", queue: "billing");
        var (customer, _, _, _) = await rig.ConnectCallerAsync("agent-7", first);
        await Task.Delay(TimeSpan.FromSeconds(2));

        await first.TransferAsync($"sip:queue/billing@{rig.Address}");
        await second.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await second.HangupAsync();

        var result = await customer;
        Assert.True(result.AllCallsSucceeded, result.Describe());
        var record = await rig.WaitForRecord(IsSipCall, "the call's one record");
        Assert.Equal(new[] { GatewayRig.Service, "billing" }, record.QueuePath.ToArray());
        Assert.Equal(new[] { "agent-7", "agent-8" }, record.HandledBy.ToArray());
        Assert.Equal(CallOutcome.Completed, record.Outcome);
    }

    [PeerFact("sipp")]
    public async Task A_caller_who_cancels_while_the_number_rings_gets_487_and_leaves_nothing_behind()
    {
        await using var rig = await GatewayRig.StartAsync(output, o => o.RingSeconds = 10);

        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-cancel.xml"), Remote = rig.Address, MaxCalls = 3, CallsPerSecond = 3, Timeout = Generous,
        });

        Assert.True(customer.AllCallsSucceeded, customer.Describe());
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no caller left in the gateway");
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.UserAgent!.Counters.Transactions == 0), "no transaction left", seconds: 60);
        Assert.Empty(rig.Records.All);
    }

    [PeerFact("sipp")]
    public async Task Callers_who_hang_up_in_the_menu_each_get_one_abandoned_record_with_no_queue()
    {
        await using var rig = await GatewayRig.StartAsync(output);

        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-basic.xml"), Remote = rig.Address, MaxCalls = 4, CallsPerSecond = 4,
            PauseLength = TimeSpan.FromSeconds(2), Timeout = Generous,
        });

        Assert.True(customer.AllCallsSucceeded, customer.Describe());
        await GatewayRig.Eventually(() => Task.FromResult(rig.Records.All.Count(IsSipCall) == 4), "four records");
        Assert.All(rig.Records.All, r =>
        {
            Assert.Equal(CallOutcome.Abandoned, r.Outcome);
            Assert.Empty(r.QueuePath);
            Assert.Equal(CallParty.Caller, r.EndedBy);
        });
        Assert.Equal(4, rig.Records.All.Select(r => r.CallId).Distinct().Count());
    }

    private static bool IsOffTheCall(CallCenter.Agents.AgentSnapshot snapshot) =>
        snapshot.State is CallCenter.Agents.AgentState.WrapUp or CallCenter.Agents.AgentState.Ready or CallCenter.Agents.AgentState.Reserved;

    internal static (int Caller, int Agent) PeakPerChannel(string path)
    {
        var wav = WavFile.Read(File.ReadAllBytes(path));
        Assert.Equal(2, wav.Channels);
        var samples = wav.ToPcm16();
        int left = 0, right = 0;
        for (var i = 0; i + 1 < samples.Length; i += 2)
        {
            left = Math.Max(left, Math.Abs((int)samples[i]));
            right = Math.Max(right, Math.Abs((int)samples[i + 1]));
        }
        return (left, right);
    }
}
