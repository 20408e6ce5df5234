using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>baresip driven over ctrl_tcp against SIPp: the agent phone the gateway tests will use.</summary>
public sealed class BaresipPhoneTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [PeerFact("sipp", "baresip")]
    public async Task Agent_phone_registers_with_digest_credentials()
    {
        await using var registrar = SippRun.Start(new SippOptions
        {
            Scenario = PeerTools.Scenario("uas-registrar.xml"), MaxCalls = 1,
            Keys = new Dictionary<string, string> { ["user"] = "agent1", ["password"] = "s3cret" },
        });
        await using var phone = await BaresipPhone.StartAsync(new BaresipAccount("agent1", registrar.Address, "s3cret"));
        try
        {
            await phone.WaitForRegistrationAsync(Generous);
            var result = await registrar.WaitAsync(Generous);
            Assert.True(result.AllCallsSucceeded, result.Describe());
        }
        finally
        {
            output.WriteLine(phone.Log);
        }
    }

    [PeerFact("sipp", "baresip")]
    public async Task Agent_phone_dials_a_simulated_agent_and_sees_the_call_established_heard_and_closed()
    {
        await using var far = SippRun.Start(new SippOptions
        {
            Scenario = PeerTools.Scenario("uas-agent.xml"), MaxCalls = 1, RtpEcho = true,
            ReceiveTimeout = TimeSpan.FromMilliseconds(2500),
        });
        await using var phone = await BaresipPhone.StartAsync(new BaresipAccount("agent1", far.Address, "s3cret", Register: false));
        try
        {
            var dialled = await phone.DialAsync($"sip:1000@{far.Address}");
            Assert.True(dialled.Ok, dialled.Data);

            await phone.WaitForEventAsync("CALL_ESTABLISHED", Generous);
            Assert.Contains("Active calls (1)", await phone.ListCallsAsync());
            // The far end hangs up after its handle time.
            await phone.WaitForEventAsync("CALL_CLOSED", Generous);
            Assert.Contains("Active calls (0)", await phone.ListCallsAsync());

            var result = await far.WaitAsync(Generous);
            Assert.True(result.AllCallsSucceeded, result.Describe());
            // SIPp echoed our tone: the phone's receive dump holds it.
            Assert.True(phone.ReceivedPeakAmplitude() > 1000, "no echoed audio in " + string.Join(", ", phone.ReceivedAudioFiles));
        }
        finally
        {
            output.WriteLine(phone.Log);
        }
    }

    [PeerFact("sipp", "baresip")]
    public async Task Agent_phone_auto_answers_a_sipp_call_and_receives_its_audio()
    {
        await using var phone = await BaresipPhone.StartAsync(new BaresipAccount("agent1", "127.0.0.1", "s3cret", Register: false));
        // With RTP playback the customer sends DTMF 3 and PCMA audio; without it (no CAP_NET_RAW)
        // the call is still answered, but the audio check is not possible.
        var playsRtp = PeerTools.CanPlayRtp;
        output.WriteLine(playsRtp ? "SIPp can play RTP" : "SIPp cannot play RTP here (needs root or CAP_NET_RAW): signalling only");
        var customerCall = SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario(playsRtp ? "uac-dtmf-ivr.xml" : "uac-callee-bye.xml"),
            Remote = $"127.0.0.1:{phone.SipPort}", Service = "agent1",
            MaxCalls = 1, ReceiveTimeout = TimeSpan.FromSeconds(20),
        });
        try
        {
            // answermode=auto: baresip 1.0.0 answers without a CALL_INCOMING event.
            var established = await phone.WaitForEventAsync("CALL_ESTABLISHED", Generous);
            Assert.Equal("incoming", established.Direction);
            if (playsRtp)
            {
                // uac-dtmf-ivr.xml presses 3 (RFC 4733) a second after the answer.
                var digit = await phone.WaitForEventAsync("CALL_DTMF_START", Generous);
                output.WriteLine(digit.Raw);
                Assert.Equal("3", digit.Param);
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
            var hungUp = await phone.HangupAsync();
            Assert.True(hungUp.Ok, hungUp.Data);
            await phone.WaitForEventAsync("CALL_CLOSED", Generous);

            var customer = await customerCall;
            output.WriteLine(customer.Describe());
            Assert.True(customer.AllCallsSucceeded, customer.Describe());
            if (playsRtp) Assert.True(phone.ReceivedPeakAmplitude() > 1000, "no audio from SIPp's pcap in the phone's dump");
        }
        finally
        {
            output.WriteLine(phone.Log);
        }
    }
}
