using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Tests.Peers;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// Click-to-dial (CTI-4) against real peers on 127.0.0.1: the agent's phone is baresip (it registers with digest
/// and answers), the customer is a SIPp UAS on a free port that the rig's trunk points at. The gateway rings the
/// agent's phone first, then the customer, and bridges the two; either side's BYE ends both legs and the call.
/// </summary>
[Collection(RealTimeCollection.Name)]
public sealed class ClickToDialPeerTests(ITestOutputHelper output)
{
    private static bool IsOutbound(CallDetailRecord record) => record.Direction == CallDirection.Outbound;

    /// <summary>A rig whose trunk sends every outbound call to SIPp on <paramref name="customerPort"/>.</summary>
    private Task<GatewayRig> RigWithTrunk(int customerPort) =>
        GatewayRig.StartAsync(output, o => o.Trunk = $"sip:{{number}}@127.0.0.1:{customerPort}");

    /// <summary>The customer: answers (uas-agent.xml), echoes the RTP it receives, and hangs up after <paramref name="talk"/> unless the gateway does first.</summary>
    private static SippRun Customer(int port, TimeSpan talk) => SippRun.Start(new SippOptions
    {
        Scenario = PeerTools.Scenario("uas-agent.xml"), LocalPort = port, MaxCalls = 1, RtpEcho = true,
        ReceiveTimeout = talk, Timeout = TimeSpan.FromSeconds(90), TraceResponseTimes = false,
    });

    /// <summary>Agent-7 dials; its phone answers (baresip answers by itself), then the customer: returns once the two talk.</summary>
    private static async Task<string> TalkingAsync(GatewayRig rig, BaresipPhone phone, string number)
    {
        var callId = await rig.Grains.GetAgent("agent-7").Dial(number);
        await phone.WaitForEventAsync("CALL_ESTABLISHED", GatewayRig.Generous, e => e.Direction == "incoming");
        await GatewayRig.Eventually(async () => (await rig.Grains.GetAgent("agent-7").GetSnapshot()).State == AgentState.OnCall,
            "the customer answered: the agent is on the call");
        return callId;
    }

    /// <summary>A rig, its answering customer and agent-7's baresip phone, talking; disposing it stops the rig and the customer.</summary>
    private sealed record Talking(GatewayRig Rig, SippRun Customer, BaresipPhone Phone, string CallId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Rig.DisposeAsync();
            await Customer.DisposeAsync();
        }
    }

    /// <summary>Starts a customer who hangs up after <paramref name="customerTalk"/>, a rig trunked to it, and dials it.</summary>
    private async Task<Talking> TalkingWithCustomerAsync(TimeSpan customerTalk, string number)
    {
        var customerPort = FreePorts.Sip();
        var customer = Customer(customerPort, customerTalk);
        var rig = await RigWithTrunk(customerPort);
        var phone = await rig.StartAgentPhoneAsync("agent-7");
        return new Talking(rig, customer, phone, await TalkingAsync(rig, phone, number));
    }

    [PeerFact("sipp", "baresip")]
    public async Task The_agents_phone_rings_first_then_the_customer_both_legs_are_bridged_and_the_customers_bye_ends_both()
    {
        await using var call = await TalkingWithCustomerAsync(TimeSpan.FromSeconds(5), "5551234");
        var (rig, customer, phone, callId) = call;

        var customerResult = await customer.WaitAsync(TimeSpan.FromSeconds(100));
        Assert.True(customerResult.AllCallsSucceeded, customerResult.Describe());
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the outbound call's one record");
        Assert.Single(rig.Records.All, r => r.CallId == callId);
        Assert.Equal((CallDirection.Outbound, CallOutcome.Completed, CallParty.Caller), (record.Direction, record.Outcome, record.EndedBy));
        Assert.Equal(("agent-7", "5551234", "agent-7"), (record.CallerNumber, record.CalledNumber, record.AgentId));
        // The customer's BYE ended the agent's leg too.
        await phone.WaitForEventAsync("CALL_CLOSED", GatewayRig.Generous);
        await rig.WaitForAgentReady("agent-7");
        // Both directions: the agent phone's audio reached the bridge (right channel), and the customer echoed back
        // what the bridge sent it (left channel), which only happens when RTP flows gateway -> customer -> gateway.
        Assert.NotNull(record.RecordingPath);
        var (customerPeak, agentPeak) = GatewayPeerTests.PeakPerChannel(record.RecordingPath);
        Assert.True(agentPeak > 64, $"agent channel peak {agentPeak}");
        Assert.True(customerPeak > 64, $"customer channel peak {customerPeak} (the customer echoes what it received)");
        output.WriteLine($"agent phone received peak amplitude {phone.ReceivedPeakAmplitude()}");
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no call left in the gateway");
    }

    [PeerFact("sipp", "baresip")]
    public async Task The_agents_hang_up_ends_the_customers_leg_with_a_bye()
    {
        // This customer would hang up only after a minute: the BYE it gets first must be the gateway's.
        await using var call = await TalkingWithCustomerAsync(TimeSpan.FromSeconds(60), "+4930123456");
        var (rig, customer, phone, callId) = call;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await phone.HangupAsync();

        // The customer's scenario succeeds only when it receives the BYE (its own would come after 60 s).
        var customerResult = await customer.WaitAsync(TimeSpan.FromSeconds(50));
        Assert.True(customerResult.AllCallsSucceeded, customerResult.Describe());
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the outbound call's one record");
        Assert.Equal((CallDirection.Outbound, CallOutcome.Completed, CallParty.Agent), (record.Direction, record.Outcome, record.EndedBy));
        Assert.Equal("+4930123456", record.CalledNumber);
        await rig.WaitForAgentReady("agent-7");
    }

    [PeerFact("sipp", "baresip")]
    public async Task When_the_call_grain_is_lost_with_its_silo_the_gateway_hangs_up_both_legs()
    {
        await using var call = await TalkingWithCustomerAsync(TimeSpan.FromSeconds(80), "5551234");
        var (rig, customer, phone, _) = call;

        // As if the silo died: every idle activation goes, the outbound call's (memory only) with them. (The agent's goes
        // too; in this rig without durable storage it comes back logged out, which is the agent grain's own business.)
        await rig.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // The customer's scenario succeeds only with the gateway's BYE (its own would come after 80 s).
        var customerResult = await customer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(customerResult.AllCallsSucceeded, customerResult.Describe());
        await phone.WaitForEventAsync("CALL_CLOSED", GatewayRig.Generous);
        await GatewayRig.Eventually(() => Task.FromResult(rig.Gateway.Control!.ActiveCallers == 0), "no call left in the gateway");
    }

    [PeerFact("sipp", "baresip")]
    public async Task A_busy_customer_ends_the_agents_leg_and_the_record_says_busy()
    {
        var customerPort = FreePorts.Sip();
        await using var rig = await RigWithTrunk(customerPort);
        var phone = await rig.StartAgentPhoneAsync("agent-7");
        await using var customer = SippRun.Start(new SippOptions
        {
            Scenario = PeerTools.Scenario("uas-busy.xml"), LocalPort = customerPort, MaxCalls = 1, Timeout = TimeSpan.FromSeconds(60), TraceResponseTimes = false,
        });

        var callId = await rig.Grains.GetAgent("agent-7").Dial("5551234");

        await phone.WaitForEventAsync("CALL_ESTABLISHED", GatewayRig.Generous, e => e.Direction == "incoming");
        var record = await rig.WaitForRecord(r => r.CallId == callId, "the outbound call's one record");
        Assert.Equal((CallDirection.Outbound, CallOutcome.Busy), (record.Direction, record.Outcome));
        Assert.Null(record.AnsweredAt);
        await phone.WaitForEventAsync("CALL_CLOSED", GatewayRig.Generous);
        await rig.WaitForAgentReady("agent-7");
        var customerResult = await customer.WaitAsync(TimeSpan.FromSeconds(70));
        Assert.True(customerResult.AllCallsSucceeded, customerResult.Describe());
    }

    [PeerFact("sipp", "baresip")]
    public async Task The_customer_is_not_called_until_the_agents_phone_answers_and_a_rejected_ring_fails_the_dial()
    {
        var customerPort = FreePorts.Sip();
        await using var rig = await RigWithTrunk(customerPort);
        await rig.ConfigureAgent("agent-7");
        // A phone the agent answers by hand: it rings, and the agent rejects it.
        await using var phone = await BaresipPhone.StartAsync(new BaresipAccount("agent-7", rig.Address, GatewayRig.AgentPassword, AutoAnswer: false));
        await phone.WaitForRegistrationAsync(GatewayRig.Generous);
        await rig.WaitForAgentReady("agent-7");
        await using var customer = Customer(customerPort, TimeSpan.FromSeconds(5));

        var callId = await rig.Grains.GetAgent("agent-7").Dial("5551234");
        await phone.WaitForEventAsync("CALL_INCOMING", GatewayRig.Generous);
        Assert.Equal(AgentState.Reserved, (await rig.Grains.GetAgent("agent-7").GetSnapshot()).State);
        await phone.HangupAsync();

        var record = await rig.WaitForRecord(r => r.CallId == callId, "the outbound call's one record");
        Assert.Equal((CallDirection.Outbound, CallOutcome.Failed), (record.Direction, record.Outcome));
        Assert.Contains("agent's phone", record.Detail);
        await rig.WaitForAgentReady("agent-7");
        var customerResult = await customer.StopAsync(GatewayRig.Generous);
        Assert.Equal(0, customerResult.Stats?.CallsCreated ?? 0);
    }

    [PeerFact("baresip")]
    public async Task Without_a_trunk_a_dial_is_refused_and_nothing_changes()
    {
        await using var rig = await GatewayRig.StartAsync(output);
        var phone = await rig.StartAgentPhoneAsync("agent-7");
        var agent = rig.Grains.GetAgent("agent-7");
        var before = await agent.GetSnapshot();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => agent.Dial("5551234"));

        Assert.Contains("no outbound trunk", error.Message);
        var after = await agent.GetSnapshot();
        Assert.Equal((before.State, before.Since, before.CallId), (after.State, after.Since, after.CallId));
        Assert.DoesNotContain(rig.Records.All, IsOutbound);
        Assert.DoesNotContain(phone.Events, e => e.Type == "CALL_INCOMING");
    }
}
