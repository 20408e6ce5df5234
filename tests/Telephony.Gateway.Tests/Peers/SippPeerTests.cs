using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>
/// The scenarios in loadtests/sip proven against SIPp itself, so that when a test points them at
/// the gateway a failure is the gateway's, not the scenario's.
/// </summary>
public sealed class SippPeerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [PeerFact]
    public async Task Builtin_uac_calls_builtin_uas_and_every_call_succeeds_with_statistics_read()
    {
        await using var uas = SippRun.Start(new SippOptions { Scenario = "uas", BuiltIn = true, MaxCalls = 20 });
        var uac = await SippRun.RunAsync(new SippOptions
        {
            Scenario = "uac", BuiltIn = true, Remote = uas.Address,
            MaxCalls = 20, CallsPerSecond = 40, PauseLength = TimeSpan.FromMilliseconds(50),
        });
        var answered = await uas.WaitAsync(Generous);

        Report(uac, answered);
        Assert.Equal(SippExit.AllCallsSucceeded, uac.Exit);
        Assert.Equal(20, uac.Stats!.SuccessfulCalls);
        Assert.Equal(0, uac.Stats.FailedCalls);
        Assert.Equal(20, uac.ResponseTimes!.Count);
        Assert.True(uac.ResponseTimes.P50 <= uac.ResponseTimes.P99);
        Assert.Equal(20, answered.Stats!.SuccessfulCalls);
    }

    [PeerFact]
    public async Task Customer_call_to_a_simulated_agent_is_answered_talked_and_hung_up_by_the_customer()
    {
        await using var agent = SippRun.Start(new SippOptions
        {
            Scenario = PeerTools.Scenario("uas-agent.xml"), MaxCalls = 3, ReceiveTimeout = TimeSpan.FromSeconds(20),
        });
        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-basic.xml"), Remote = agent.Address,
            MaxCalls = 3, CallsPerSecond = 10, PauseLength = TimeSpan.FromMilliseconds(200),
        });
        var answered = await agent.WaitAsync(Generous);

        Report(customer, answered);
        Assert.True(customer.AllCallsSucceeded, customer.Describe());
        Assert.True(answered.AllCallsSucceeded, answered.Describe());
        Assert.Equal(3, answered.Stats!.SuccessfulCalls);
    }

    [PeerFact]
    public async Task A_simulated_agent_ends_the_call_after_its_handle_time_and_the_customer_accepts_the_bye()
    {
        await using var agent = SippRun.Start(new SippOptions
        {
            Scenario = PeerTools.Scenario("uas-agent.xml"), MaxCalls = 2, ReceiveTimeout = TimeSpan.FromMilliseconds(300),
        });
        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-callee-bye.xml"), Remote = agent.Address,
            MaxCalls = 2, CallsPerSecond = 10, ReceiveTimeout = TimeSpan.FromSeconds(20),
        });
        var answered = await agent.WaitAsync(Generous);

        Report(customer, answered);
        Assert.True(customer.AllCallsSucceeded, customer.Describe());
        Assert.True(answered.AllCallsSucceeded, answered.Describe());
    }

    [PeerFact]
    public async Task Customer_cancels_while_ringing_and_gets_200_for_the_cancel_and_487_for_the_invite()
    {
        await using var phone = SippRun.Start(new SippOptions { Scenario = PeerTools.Scenario("uas-ringing.xml"), MaxCalls = 3 });
        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-cancel.xml"), Remote = phone.Address,
            MaxCalls = 3, CallsPerSecond = 10, PauseLength = TimeSpan.FromMilliseconds(200),
        });
        var rang = await phone.WaitAsync(Generous);

        Report(customer, rang);
        Assert.True(customer.AllCallsSucceeded, customer.Describe());
        Assert.Equal(3, customer.Stats!.SuccessfulCalls);
        Assert.True(rang.AllCallsSucceeded, rang.Describe());
    }

    [PeerFact]
    public async Task The_cancel_scenario_fails_when_the_far_end_answers_before_the_cancel()
    {
        // The built-in uas answers at once: our CANCEL is too late, so the harness must report failure.
        await using var uas = SippRun.Start(new SippOptions { Scenario = "uas", BuiltIn = true });
        var customer = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-cancel.xml"), Remote = uas.Address,
            MaxCalls = 1, PauseLength = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(10),
        });
        await uas.StopAsync(TimeSpan.FromSeconds(5));

        Report(customer);
        Assert.Equal(SippExit.SomeCallsFailed, customer.Exit);
        Assert.Equal(1, customer.Stats!.FailedCalls);
    }

    [PeerFact]
    public async Task Attended_transfer_driver_sends_refer_with_replaces_and_completes_against_a_stand_in()
    {
        await using var target = SippRun.Start(new SippOptions { Scenario = PeerTools.Scenario("uas-transfer-target.xml"), MaxCalls = 1 });
        var agent = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-refer-replaces.xml"), Remote = target.Address,
            MaxCalls = 1, PauseLength = TimeSpan.FromMilliseconds(200),
            Keys = new Dictionary<string, string> { ["consult"] = "2000" },
        });
        var transferred = await target.WaitAsync(Generous);

        Report(agent, transferred);
        Assert.True(agent.AllCallsSucceeded, agent.Describe());
        // The stand-in checks the escaped Replaces in Refer-To; its success proves the REFER's shape.
        Assert.True(transferred.AllCallsSucceeded, transferred.Describe());
    }

    private void Report(params SippResult[] results)
    {
        foreach (var result in results) output.WriteLine(result.Describe());
    }
}
