using System.Diagnostics;
using System.Net;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Gateway.Tests.Sip.Support;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Sip;

/// <summary>
/// The user agent against real peers on 127.0.0.1: SIPp's built-in scenarios (package sip-tester) and baresip as an
/// agent phone. Each test runs only where its binary exists (see /work/shared/docs/sip-testing.md) and passes vacuously
/// elsewhere.
/// </summary>
public sealed class InteropTests
{
    private const string Sipp = "/usr/bin/sipp";
    private const string Baresip = "/usr/bin/baresip";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sipp_uac_calls_are_answered_and_ended_by_the_user_agent()
    {
        if (!File.Exists(Sipp))
        {
            return;
        }

        await using var gateway = new SipUserAgent(new SipUserAgentOptions { Port = 0 }, new TestCredentials(), TimeProvider.System, NullLoggerFactory.Instance);
        await gateway.StartAsync(CancellationToken.None);
        gateway.OnIncomingCall = async call =>
        {
            call.Ring();
            await call.AnswerAsync(TestSdp.Answer(call.Offer!));
        };

        var exitCode = await RunSippAsync($"-sn uac 127.0.0.1:{gateway.UdpEndPoint.Port} -m 5 -r 5 -d 200 -i 127.0.0.1 -p 0 -nostdin -timeout 30");

        Assert.Equal(0, exitCode);
        Assert.Equal(5, gateway.Counters.IncomingCalls);
    }

    [Fact]
    public async Task The_user_agent_calls_sipp_uas_and_hangs_up_with_bye()
    {
        if (!File.Exists(Sipp))
        {
            return;
        }

        await using var gateway = new SipUserAgent(new SipUserAgentOptions { Port = 0 }, new TestCredentials(), TimeProvider.System, NullLoggerFactory.Instance);
        await gateway.StartAsync(CancellationToken.None);
        var port = FreeUdpPort();
        // The INVITE is retransmitted on Timer A until SIPp listens.
        var sipp = RunSippAsync($"-sn uas -i 127.0.0.1 -p {port} -m 1 -nostdin -timeout 30");

        var destination = new IPEndPoint(IPAddress.Loopback, port);
        var call = gateway.Invite(new OutgoingCallRequest(SipUri.Parse($"sip:service@127.0.0.1:{port}"), destination, SipTransportProtocol.Udp, "gateway", null, TestSdp.Offer()));
        var result = await call.Result.WaitAsync(Guard);
        Assert.True(result.IsAnswered);
        Assert.NotNull(call.RemoteSdp);

        await call.HangupAsync().WaitAsync(Guard);

        Assert.Equal(SipCallEndReason.LocalHangup, (await call.Ended).Reason);
        Assert.Equal(0, await sipp.WaitAsync(Guard));
    }

    [Fact]
    public async Task Baresip_registers_with_digest_and_auto_answers_a_call_to_its_contact()
    {
        if (!File.Exists(Baresip))
        {
            return;
        }

        await using var gateway = new SipUserAgent(new SipUserAgentOptions { Port = 0 }, new TestCredentials(("agent1", "secret1")), TimeProvider.System, NullLoggerFactory.Instance);
        await gateway.StartAsync(CancellationToken.None);
        var registered = new TaskCompletionSource<Registration>(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.Registrar.Registered += r => registered.TrySetResult(r);
        var directory = Directory.CreateTempSubdirectory("baresip-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "config"), "sip_listen 127.0.0.1:0\nmodule_path /usr/lib/baresip/modules\nmodule g711.so\nmodule_app account.so\n");
            File.WriteAllText(
                Path.Combine(directory.FullName, "accounts"),
                $"<sip:agent1@127.0.0.1:{gateway.UdpEndPoint.Port};transport=udp>;regint=600;answermode=auto;audio_codecs=pcmu,pcma;auth_pass=secret1\n");
            using var process = Process.Start(new ProcessStartInfo(Baresip, $"-f {directory.FullName} -n 127.0.0.1 -t 20")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            try
            {
                var registration = await registered.Task.WaitAsync(Guard);
                Assert.Equal("agent1", registration.User);
                Assert.NotEqual("agent1", registration.Contact.User);

                var call = gateway.Invite(new OutgoingCallRequest(registration.Contact, registration.Source, registration.Transport, "queue-sales", "Sales", TestSdp.Offer()));
                var result = await call.Result.WaitAsync(Guard);
                Assert.True(result.IsAnswered);
                Assert.NotNull(call.RemoteSdp);

                await call.HangupAsync().WaitAsync(Guard);
                Assert.Equal(SipCallEndReason.LocalHangup, (await call.Ended).Reason);
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                await Task.WhenAll(output, error);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task<int> RunSippAsync(string arguments)
    {
        var directory = Directory.CreateTempSubdirectory("sipp-");
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Sipp, arguments)
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Guard);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            await Task.WhenAll(output, error);
            return process.ExitCode;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
