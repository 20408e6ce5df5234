using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using CallCenter.Calls;
using CallCenter.Stats;
using CallCenter.Telephony.Gateway.Hosting;
using CallCenter.Telephony.Gateway.Ivr;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// The gateway's call control: turns SIP dialogs into call and agent grain calls. Service numbers
/// with a menu are answered by a <see cref="CallerSession"/>; agents' phones that register become
/// <see cref="AgentLine"/>s the ACD rings; callbacks are <see cref="CallbackSession"/>s.
/// </summary>
public sealed class CallControl : IAsyncDisposable
{
    /// <summary>How often the holder of a live call re-asserts it to its grain (and a phone its agent).</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, ICallerSide> _callers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AgentLine> _lines = new(StringComparer.Ordinal);
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private long _calls;

    public CallControl(IGrainFactory grains, SipUserAgent sip, MediaEngine media, IvrMenuCatalog menus, PromptLibrary prompts,
        IBackOfficeLookup lookup, GatewayOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        Grains = grains;
        Sip = sip;
        Media = media;
        Menus = menus;
        Prompts = prompts;
        Lookup = lookup;
        Options = options;
        Time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<CallControl>();
        RecordingFolder = options.RecordingFolderOrDefault;
    }

    public IGrainFactory Grains { get; }
    public SipUserAgent Sip { get; }
    public MediaEngine Media { get; }
    public IvrMenuCatalog Menus { get; }
    public PromptLibrary Prompts { get; set; }
    public PromptCache PromptCache { get; } = new();
    public IBackOfficeLookup Lookup { get; }
    public GatewayOptions Options { get; }
    public TimeProvider Time { get; }
    public string RecordingFolder { get; }
    public IvrMenu? SurveyMenu => Menus.Survey;

    /// <summary>Live callers (IVR, queue, talking, survey) and callbacks waiting for an agent.</summary>
    public int ActiveCallers => _callers.Count;

    /// <summary>The live callers (metrics count them by stage).</summary>
    public IEnumerable<ICallerSide> Callers => _callers.Values;

    public int RegisteredAgents => _lines.Count;

    public long CallsAnswered => Interlocked.Read(ref _calls);

    public void Start()
    {
        Sip.OnIncomingCall = OnIncomingCallAsync;
        Sip.Registrar.Registered += registration => _ = OnRegisteredAsync(registration);
        Sip.Registrar.Unregistered += user => _ = OnUnregisteredAsync(user);
    }

    private Task OnIncomingCallAsync(IncomingCall call)
    {
        var menu = Menus.ForService(call.CalledUser);
        if (menu is null && LineCalling(call) is { } line)
        {
            // A registered agent's phone dials another agent during a call: a consultation (attended transfer).
            _ = line.ConsultAsync(call);
            return Task.CompletedTask;
        }
        if (menu is null)
        {
            _logger.LogInformation("INVITE for {Called} from {From}: no such service number", call.CalledUser, call.From.Uri);
            call.Reject(404, "Not Found (no such service number)");
            return Task.CompletedTask;
        }
        var session = new CallerSession(this, call, menu, NewCallId(), _loggers.CreateLogger<CallerSession>());
        _callers[session.CallId] = session;
        Interlocked.Increment(ref _calls);
        _ = session.RunAsync();
        return Task.CompletedTask;
    }

    private async Task OnRegisteredAsync(Registration registration)
    {
        if (Options.IsSupervisor(registration.User))
        {
            // A supervisor's phone takes no ACD calls: it rings only to monitor one (the registrar finds it then).
            _logger.LogInformation("Supervisor {SupervisorId}'s phone registered at {Contact}", registration.User, registration.Contact);
            return;
        }
        if (_lines.TryGetValue(registration.User, out var existing))
        {
            existing.Registration = registration;
            return;
        }
        var line = new AgentLine(this, registration, _loggers.CreateLogger<AgentLine>());
        if (!_lines.TryAdd(registration.User, line))
        {
            return;
        }
        try
        {
            await line.LoginAsync();
            _logger.LogInformation("Agent {AgentId} logged in from its phone at {Contact}", registration.User, registration.Contact);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Agent {AgentId}'s phone registered but the agent could not log in", registration.User);
        }
    }

    private async Task OnUnregisteredAsync(string user)
    {
        if (_lines.TryRemove(user, out var line))
        {
            await line.LogoutAsync();
            _logger.LogInformation("Agent {AgentId}'s phone unregistered; logged out", user);
        }
    }

    public bool IsLocalAgent(string agentId) => _lines.ContainsKey(agentId);

    /// <summary>
    /// The agent line an INVITE comes from: its From user is a registered agent and it arrives from where that agent's
    /// phone registered (with digest), over the same transport; null for anyone else.
    /// </summary>
    private AgentLine? LineCalling(IncomingCall call) =>
        call.From.Uri.User is { } user && _lines.TryGetValue(user, out var line)
            && line.Registration.Source.Equals(call.Source) && line.Registration.Transport == call.Protocol
            ? line
            : null;

    public ICallerSide? CallerOf(string callId) => _callers.GetValueOrDefault(callId);

    public void Forget(ICallerSide caller) => _callers.TryRemove(new KeyValuePair<string, ICallerSide>(caller.CallId, caller));

    public void HoldChanged(string callId, bool onHold)
    {
        if (CallerOf(callId) is CallerSession session)
        {
            session.SetHold(onHold);
        }
    }

    public async Task<QueuePosition?> PositionOfAsync(string callId)
    {
        try
        {
            var snapshot = await Grains.GetCall(callId).GetSnapshot();
            return snapshot.QueueId is { } queue && snapshot.State == CallState.Queued
                ? await Grains.GetQueue(queue).GetPosition(callId)
                : null;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            _logger.LogDebug(ex, "No position for {CallId}", callId);
            return null;
        }
    }

    /// <summary>ACD-6: a caller asked to be called back; a callback call waits in the same queue and rings the next free agent.</summary>
    public void ScheduleCallback(CallerSession from, string service, ImmutableDictionary<string, string> attached)
    {
        var callback = new CallbackSession(this, from, service, attached, _loggers.CreateLogger<CallbackSession>());
        _callers[callback.CallId] = callback;
        _ = callback.StartAsync();
    }

    /// <summary>Click-to-dial (CTI-4): the agent's phone rings, then the customer through the trunk; the session is a caller side like any other.</summary>
    public void StartOutbound(AgentLine line, OutboundDial dial, CustomerAddress customer)
    {
        var session = new OutboundSession(this, line, dial, customer, _loggers.CreateLogger<OutboundSession>());
        _callers[session.CallId] = session;
        _ = session.RunAsync();
    }

    /// <summary>Music on hold: a slow, quiet arpeggio (generated, nothing downloaded).</summary>
    public IAudioSource HoldMusic() => AudioSources.Loop(() => AudioSources.Sequence(
        AudioSources.Tone(392, TimeSpan.FromMilliseconds(400), 0.08), AudioSources.Tone(494, TimeSpan.FromMilliseconds(400), 0.08),
        AudioSources.Tone(587, TimeSpan.FromMilliseconds(400), 0.08), AudioSources.Tone(494, TimeSpan.FromMilliseconds(400), 0.08),
        AudioSources.Silence(TimeSpan.FromMilliseconds(400))));

    /// <summary>What an agent hears while the gateway rings a customer for it (callback, click-to-dial).</summary>
    public static IAudioSource Ringback() => AudioSources.Loop(() => AudioSources.Sequence(
        AudioSources.Tone(425, TimeSpan.FromSeconds(1), 0.1), AudioSources.Silence(TimeSpan.FromSeconds(4))));

    /// <summary>What an agent hears from a simulated caller (the demo center's grain-level traffic has no audio).</summary>
    public IAudioSource SimulatedCallerAudio() => AudioSources.Loop(() => AudioSources.Sequence(
        AudioSources.Tone(440, TimeSpan.FromMilliseconds(300), 0.1), AudioSources.Silence(TimeSpan.FromMilliseconds(1700))));

    private static string NewCallId() => $"sip-{DateTime.UtcNow:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";

    public async ValueTask DisposeAsync()
    {
        foreach (var line in _lines.Values)
        {
            await line.DisposeAsync();
        }
        _lines.Clear();
    }
}
