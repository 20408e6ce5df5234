using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Telephony.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Calls;

/// <summary>
/// A one-silo cluster with the ACD grains and the SIP gateway as its client, on 127.0.0.1 with a
/// free SIP port and a private RTP range: what the real-peer tests call into.
/// </summary>
public sealed class GatewayRig : IAsyncDisposable
{
    public const string Service = "1000";

    private readonly InProcessTestCluster _cluster;
    private readonly ILoggerFactory _loggers;
    private readonly string _folder;

    private GatewayRig(InProcessTestCluster cluster, GatewayHost gateway, CapturingRecordSink records, ILoggerFactory loggers, string folder)
    {
        _cluster = cluster;
        Gateway = gateway;
        Records = records;
        _loggers = loggers;
        _folder = folder;
    }

    public GatewayHost Gateway { get; }

    public CapturingRecordSink Records { get; }

    public IGrainFactory Grains => _cluster.Client;

    public int SipPort => Gateway.UserAgent!.UdpEndPoint.Port;

    public string Address => $"127.0.0.1:{SipPort}";

    public string RecordingFolder => Path.Combine(_folder, "recordings");

    public static async Task<GatewayRig> StartAsync(ITestOutputHelper output, Action<GatewayOptions>? configure = null)
    {
        var records = new CapturingRecordSink();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<ICallDetailRecordSink>(records);
            silo.AddCallCenter();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await cluster.Client.GetQueue(Service).Configure(new QueueSettings
        {
            Id = Service,
            RingTimeout = TimeSpan.FromSeconds(15),
            WrapUp = TimeSpan.Zero,
        });

        var folder = Path.Combine(Path.GetTempPath(), $"callcenter-gateway-test-{Guid.NewGuid():N}");
        var rtpBase = 30000 + Random.Shared.Next(0, 150) * 200;
        var options = new GatewayOptions
        {
            SipPort = 0,
            RtpPortMin = rtpBase,
            RtpPortMax = rtpBase + 199,
            PromptFolder = Path.Combine(Path.GetTempPath(), "callcenter-gateway-test-prompts"),
            RecordingFolder = Path.Combine(folder, "recordings"),
            AgentPassword = "s3cret",
            DemoAgentQueues = [Service],
            Survey = false,
            AnnouncementSeconds = 30,
        };
        configure?.Invoke(options);
        Assert.Empty(options.Validate());
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Information));
        var gateway = new GatewayHost(cluster.Client, options, TimeProvider.System, loggers);
        await gateway.StartAsync(CancellationToken.None);
        return new GatewayRig(cluster, gateway, records, loggers, folder);
    }

    /// <summary>An agent the center knows, serving the test queue; its phone may register as it.</summary>
    public Task ConfigureAgent(string agentId) =>
        Grains.GetAgent(agentId).Configure(new AgentProfile { Id = agentId, Queues = ImmutableDictionary<string, int>.Empty.Add(Service, 1) });

    public async Task WaitForAgentReady(string agentId) =>
        await Eventually(async () => (await Grains.GetAgent(agentId).GetSnapshot()).State == AgentState.Ready, $"agent {agentId} ready");

    public async Task<CallDetailRecord> WaitForRecord(Func<CallDetailRecord, bool> match, string what)
    {
        await Eventually(() => Task.FromResult(Records.All.Any(match)), what);
        return Records.All.First(match);
    }

    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {seconds} s: {what}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _cluster.DisposeAsync();
        _loggers.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class CapturingRecordSink : ICallDetailRecordSink
{
    private readonly ConcurrentQueue<CallDetailRecord> _records = new();

    public IReadOnlyList<CallDetailRecord> All => [.. _records];

    public ValueTask WriteAsync(CallDetailRecord record)
    {
        _records.Enqueue(record);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Gateway logs in the test's output, so a failed real-peer test shows what the gateway saw.</summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished: nowhere to write.
            }
        }
    }
}
