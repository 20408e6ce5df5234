using System.Diagnostics;
using System.Globalization;
using CallCenter.Telephony.Gateway.Media;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Media;

/// <summary>A fact that runs only when MEDIA_BENCH=1: benchmarks are for people, not for CI.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MEDIA_BENCH") != "1")
        {
            Skip = "Set MEDIA_BENCH=1 to run the media benchmark.";
        }
    }
}

public sealed class MediaBenchmark(ITestOutputHelper output)
{
    /// <summary>
    /// N bridged calls over loopback: a gateway engine bridges 2N legs in pairs while a phone engine in the same process
    /// plays a tone on 2N legs towards them, so the CPU time covers both sides. Prints figures; asserts nothing about
    /// speed. MEDIA_BENCH_CALLS (default 1000) and MEDIA_BENCH_SECONDS (default 10) size it.
    /// </summary>
    [BenchmarkFact]
    public async Task Bridged_calls_over_loopback()
    {
        var calls = Setting("MEDIA_BENCH_CALLS", 1_000);
        var seconds = Setting("MEDIA_BENCH_SECONDS", 10);
        await using var gateway = new MediaEngine(new MediaOptions { PortMin = 20_000, PortMax = 29_999 }, TimeProvider.System, NullLogger<MediaEngine>.Instance);
        await using var phones = new MediaEngine(new MediaOptions { PortMin = 30_000, PortMax = 39_999 }, TimeProvider.System, NullLogger<MediaEngine>.Instance);
        var bridges = new List<MediaBridge>();
        for (var call = 0; call < calls; call++)
        {
            var caller = gateway.CreateLeg($"caller-{call}");
            var agent = gateway.CreateLeg($"agent-{call}");
            foreach (var leg in new[] { caller, agent })
            {
                var phone = phones.CreateLeg($"phone-{leg.Name}");
                phone.SetRemote(new RtpRemote(leg.LocalEndPoint, AudioFormat.PcmuPayloadType, 101));
                phone.Play(AudioSources.Tone(400 + (call % 1_000), TimeSpan.FromHours(1)));
                leg.SetRemote(new RtpRemote(phone.LocalEndPoint, AudioFormat.PcmuPayloadType, 101));
            }

            bridges.Add(gateway.Bridge(caller, agent));
        }

        // Let latching and the jitter buffers settle before measuring.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var gatewayBefore = gateway.Counters;
        var phonesBefore = phones.Counters;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var gatewayAfter = gateway.Counters;
        var phonesAfter = phones.Counters;

        output.WriteLine($"{calls} bridged calls ({gateway.ActiveLegs} gateway legs, {phones.ActiveLegs} phone legs) for {elapsed:0.0} s on {Environment.ProcessorCount} cores");
        output.WriteLine($"DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS={Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "(unset)"} (1 lets the epoll thread run the receive loops; about 2.5x the throughput here)");
        output.WriteLine($"CPU {cpu:0.00} s = {cpu / elapsed * 100:0}% of one core (both engines)");
        Report("gateway", gatewayBefore, gatewayAfter, elapsed);
        Report("phones", phonesBefore, phonesAfter, elapsed);
        foreach (var bridge in bridges)
        {
            bridge.Dispose();
        }
    }

    /// <summary>The cost of a tick alone: legs playing a tone towards one sink socket, ticks run back to back.</summary>
    [BenchmarkFact]
    public async Task Tick_cost_per_leg()
    {
        var legCount = Setting("MEDIA_BENCH_CALLS", 1_000) * 2;
        await using var engine = new MediaEngine(new MediaOptions { PortMin = 20_000, PortMax = 29_999 }, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), NullLogger<MediaEngine>.Instance);
        using var sink = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        sink.Client.ReceiveBufferSize = 1 << 20;
        for (var i = 0; i < legCount; i++)
        {
            var leg = engine.CreateLeg($"leg-{i}");
            leg.SetRemote(new RtpRemote((System.Net.IPEndPoint)sink.Client.LocalEndPoint!, AudioFormat.PcmuPayloadType, 101));
            leg.Play(Environment.GetEnvironmentVariable("MEDIA_BENCH_SILENT") == "1" ? null : AudioSources.Tone(440, TimeSpan.FromHours(1)));
        }

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        const int ticks = 100;
        for (var tick = 0; tick < ticks; tick++)
        {
            engine.RunTick(tick);
            while (sink.Available > 0)
            {
                System.Net.IPEndPoint? from = null;
                sink.Receive(ref from);
            }
        }

        process.Refresh();
        var engineCpu = process.TotalProcessorTime - cpuBefore;
        var engineWall = clock.Elapsed;

        // For scale: the same number of bare sendto calls from one socket, no engine at all.
        using var raw = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        var target = ((System.Net.IPEndPoint)sink.Client.LocalEndPoint!).Serialize();
        var packet = new byte[172];
        var rawCpu = process.TotalProcessorTime;
        for (var tick = 0; tick < ticks; tick++)
        {
            for (var i = 0; i < legCount; i++)
            {
                raw.SendTo(packet, System.Net.Sockets.SocketFlags.None, target);
            }

            while (sink.Available > 0)
            {
                System.Net.IPEndPoint? from = null;
                sink.Receive(ref from);
            }
        }

        process.Refresh();
        output.WriteLine($"bare sendto + sink receive: {(process.TotalProcessorTime - rawCpu).TotalMilliseconds / ticks:0.00} ms CPU per {legCount} packets");
        output.WriteLine($"{legCount} legs: {engineWall.TotalMilliseconds / ticks:0.00} ms per tick wall, {engineCpu.TotalMilliseconds / ticks:0.00} ms CPU (incl. sink), {engine.Counters.PacketsSent} sent");
    }

    private void Report(string name, MediaCounters before, MediaCounters after, double seconds) =>
        output.WriteLine(
            $"{name}: in {(after.PacketsReceived - before.PacketsReceived) / seconds:0} packets/s, out {(after.PacketsSent - before.PacketsSent) / seconds:0} packets/s, " +
            $"ticks {after.Ticks - before.Ticks}, late {after.LateTicks - before.LateTicks}, skipped {after.SkippedTicks - before.SkippedTicks}, " +
            $"max tick lag {after.MaxTickLag.TotalMilliseconds:0.0} ms, mean tick {(after.TickBusyTime - before.TickBusyTime).TotalMilliseconds / Math.Max(1, after.Ticks - before.Ticks):0.00} ms, " +
            $"max tick {after.MaxTickDuration.TotalMilliseconds:0.0} ms (max since start), send errors {after.SendErrors - before.SendErrors}");

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
