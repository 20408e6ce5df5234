using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Hosting;
using CallCenter.Telephony.Gateway.Tests.Peers;
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

    /// <summary>Every agent phone's digest password in the rig.</summary>
    public const string AgentPassword = "s3cret";

    /// <summary>Long enough for a peer on a loaded CI machine; only waited, never asserted as a duration.</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(40);

    private readonly List<BaresipPhone> _phones = [];
    private readonly ITestOutputHelper _output;

    private readonly InProcessTestCluster _cluster;
    private readonly ILoggerFactory _loggers;
    private readonly string _folder;

    private GatewayRig(InProcessTestCluster cluster, GatewayHost gateway, CapturingRecordSink records, ILoggerFactory loggers, string folder, ITestOutputHelper output)
    {
        _output = output;
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
            AgentPassword = AgentPassword,
            DemoAgentQueues = [Service],
            Survey = false,
            AnnouncementSeconds = 30,
        };
        configure?.Invoke(options);
        Assert.Empty(options.Validate());
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Information));
        var gateway = new GatewayHost(cluster.Client, options, TimeProvider.System, loggers);
        await gateway.StartAsync(CancellationToken.None);
        return new GatewayRig(cluster, gateway, records, loggers, folder, output);
    }

    /// <summary>An agent the center knows, serving the test queue; its phone may register as it.</summary>
    public Task ConfigureAgent(string agentId) =>
        Grains.GetAgent(agentId).Configure(new AgentProfile { Id = agentId, Queues = ImmutableDictionary<string, int>.Empty.Add(Service, 1) });

    /// <summary>
    /// An agent with a baresip phone that registered with digest and is logged in ready. It serves
    /// <paramref name="queue"/> (the rig's service queue unless told); with none only a transfer, consultation or
    /// conference rings it. The rig hangs the phone up at the end and writes its log to the test's output.
    /// </summary>
    public async Task<BaresipPhone> StartAgentPhoneAsync(string agentId, string? queue = Service)
    {
        await Grains.GetAgent(agentId).Configure(new AgentProfile
        {
            Id = agentId,
            Queues = queue is null ? ImmutableDictionary<string, int>.Empty : ImmutableDictionary<string, int>.Empty.Add(queue, 1),
        });
        var phone = await BaresipPhone.StartAsync(new BaresipAccount(agentId, Address, AgentPassword));
        _phones.Add(phone);
        await phone.WaitForRegistrationAsync(Generous);
        await WaitForAgentReady(agentId);
        return phone;
    }

    /// <summary>
    /// An agent in the rig's queue whose phone is a SIPp scenario (for what baresip 1.0.0 cannot do, e.g. attended
    /// transfer): SIPp registers it with digest from a free port (uac-register.xml) and the agent logs in ready.
    /// Returns the port; start the phone's UAS scenario on it next, before a call is offered.
    /// </summary>
    public async Task<int> RegisterSippPhoneAsync(string agentId)
    {
        await ConfigureAgent(agentId);
        var port = FreePorts.Sip();
        var registration = await SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario("uac-register.xml"), Remote = Address, Service = agentId, LocalPort = port, MaxCalls = 1,
            Timeout = Generous, TraceResponseTimes = false, ExtraArguments = ["-au", agentId, "-ap", AgentPassword],
        });
        Assert.True(registration.AllCallsSucceeded, registration.Describe());
        await WaitForAgentReady(agentId);
        return port;
    }

    /// <summary>
    /// A customer (SIPp, uac-dtmf-agent.xml) calls the service number and presses 0 for an agent; it talks until the
    /// far end hangs up, or hangs up itself after about 32 s. The task completes when the customer's SIPp ends.
    /// </summary>
    /// <remarks>With <paramref name="hangUpAfter"/> the customer (uac-dtmf-agent-hangup.xml) hangs up itself that long after pressing 0.</remarks>
    public Task<SippResult> CallAsCustomerAsync(TimeSpan? timeout = null, TimeSpan? hangUpAfter = null) =>
        SippRun.RunAsync(new SippOptions
        {
            Scenario = PeerTools.Scenario(hangUpAfter is null ? "uac-dtmf-agent.xml" : "uac-dtmf-agent-hangup.xml"), Remote = Address, MaxCalls = 1,
            Timeout = timeout ?? TimeSpan.FromSeconds(60), PauseLength = hangUpAfter,
        });

    /// <summary>
    /// The preamble of every caller-to-agent test: the customer calls through the IVR to the queue, and
    /// <paramref name="agentId"/>'s phone (<paramref name="phone"/> when it is baresip) answers; returns once the call
    /// grain, the agent and the gateway's caller session all say the two are connected.
    /// </summary>
    public async Task<ConnectedCall> ConnectCallerAsync(string agentId, BaresipPhone? phone = null, TimeSpan? customerTimeout = null, TimeSpan? hangUpAfter = null)
    {
        var customer = CallAsCustomerAsync(customerTimeout, hangUpAfter);
        if (phone is not null)
        {
            await phone.WaitForEventAsync("CALL_ESTABLISHED", Generous, e => e.Direction == "incoming");
        }
        string? callId = null;
        await Eventually(async () =>
        {
            Assert.False(customer.IsCompleted, $"the customer's call ended before agent {agentId} answered: {(customer.IsCompleted ? customer.Result.Describe() : "")}");
            callId = (await Grains.GetAgent(agentId).GetSnapshot()).CallId;
            return callId is not null;
        }, $"agent {agentId} answers the customer");
        var call = Grains.GetCall(callId!);
        await Eventually(async () => (await call.GetSnapshot()).State == CallState.Connected, "the call connected");
        CallerSession? session = null;
        await Eventually(() =>
        {
            session = Gateway.Control!.CallerOf(callId!) as CallerSession;
            return Task.FromResult(session is { Phase: CallerPhase.Connected } && session.AgentsOnCall.SequenceEqual([agentId]));
        }, "the caller bridged to the agent in the gateway");
        return new ConnectedCall(customer, callId!, call, session!);
    }

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
        foreach (var phone in _phones)
        {
            await phone.DisposeAsync();
            try
            {
                _output.WriteLine(phone.Log);
            }
            catch (InvalidOperationException)
            {
                // The test has finished: nowhere to write.
            }
        }
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

/// <summary>A customer's call the rig connected to an agent: the customer's SIPp (ends with the call), the call's grain and the gateway's session.</summary>
public sealed record ConnectedCall(Task<SippResult> Customer, string CallId, ICallGrain Call, CallerSession Session);

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
