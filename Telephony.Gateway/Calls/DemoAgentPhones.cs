using System.Collections.Concurrent;
using System.Collections.Immutable;
using CallCenter.Agents;
using CallCenter.Telephony.Gateway.Hosting;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// Simulated agent phones for the demo and for SIP load tests (<c>--demo-agents N</c>): one SIP
/// user agent on a port of its own hosts N phones <c>demo-sip-001</c>...; each registers with the
/// gateway over SIP with digest authentication like a softphone, answers an INVITE after a short
/// delay with a tone for a voice, and hangs up after an exponential handle time.
/// </summary>
public sealed class DemoAgentPhones : IAsyncDisposable
{
    /// <summary>How long a demo phone's registration lasts; it refreshes well before.</summary>
    public static readonly TimeSpan RegistrationLifetime = TimeSpan.FromMinutes(10);

    private readonly IGrainFactory _grains;
    private readonly MediaEngine _media;
    private readonly GatewayOptions _options;
    private readonly IPEndPoint _gateway;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ConcurrentDictionary<string, IncomingCall> _calls = new(StringComparer.Ordinal);
    private SipUserAgent? _phones;
    private long _answered;
    private long _hungUp;

    public DemoAgentPhones(IGrainFactory grains, MediaEngine media, GatewayOptions options, IPEndPoint gateway, TimeProvider time, ILoggerFactory loggers)
    {
        _grains = grains;
        _media = media;
        _options = options;
        _gateway = gateway;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<DemoAgentPhones>();
        AgentIds = [.. Enumerable.Range(1, options.DemoAgents).Select(AgentIdOf)];
    }

    public ImmutableArray<string> AgentIds { get; }

    public long Answered => Interlocked.Read(ref _answered);

    public long HungUp => Interlocked.Read(ref _hungUp);

    public static string AgentIdOf(int number) => $"demo-sip-{number:000}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var queues = _options.DemoAgentQueues.Count > 0 ? _options.DemoAgentQueues : ["1000"];
        var membership = queues.ToImmutableDictionary(q => q, _ => 1, StringComparer.Ordinal);
        foreach (var agentId in AgentIds)
        {
            await _grains.GetAgent(agentId).Configure(new AgentProfile { Id = agentId, Name = $"Demo SIP agent {agentId[^3..]}", Queues = membership });
        }
        _phones = new SipUserAgent(new SipUserAgentOptions
        {
            ListenAddress = _options.ListenAddress,
            Port = 0,
            Udp = true,
            Tcp = false,
            ServerName = "CallCenter-DemoPhone",
        }, NoCredentials.Instance, _time, _loggers);
        await _phones.StartAsync(cancellationToken);
        _phones.OnIncomingCall = call =>
        {
            _ = AnswerAsync(call);
            return Task.CompletedTask;
        };
        var registered = 0;
        foreach (var agentId in AgentIds)
        {
            if (await RegisterAsync(agentId))
            {
                registered++;
            }
        }
        _logger.LogInformation("{Registered} of {Count} demo SIP agent phones registered (queues {Queues}); they answer after {Answer} s and talk about {Handle} s",
            registered, AgentIds.Length, string.Join(",", queues), _options.DemoAnswerSeconds, _options.DemoHandleSeconds);
        _ = RefreshAsync();
    }

    private async Task<bool> RegisterAsync(string agentId)
    {
        var phone = _phones!.UdpEndPoint;
        var request = new RegisterRequest(
            Registrar: SipUri.Parse($"sip:{_gateway.Address}:{_gateway.Port}"),
            Destination: _gateway,
            Transport: SipTransportProtocol.Udp,
            User: agentId,
            Password: _options.PasswordOf(agentId),
            Contact: SipUri.Parse($"sip:{agentId}@{phone.Address}:{phone.Port}"),
            Expires: RegistrationLifetime);
        try
        {
            var response = await _phones.RegisterAsync(request, _lifetime.Token);
            if (response.StatusCode / 100 == 2)
            {
                return true;
            }
            _logger.LogWarning("Demo phone {AgentId} could not register: {Status} {Reason}", agentId, response.StatusCode, response.ReasonPhrase);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Demo phone {AgentId} could not register", agentId);
        }
        return false;
    }

    private async Task RefreshAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(RegistrationLifetime * 0.8, _time, _lifetime.Token);
                foreach (var agentId in AgentIds)
                {
                    await RegisterAsync(agentId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AnswerAsync(IncomingCall call)
    {
        if (call.Offer is not { } offer)
        {
            call.Reject(488, "Not Acceptable Here");
            return;
        }
        RtpLeg leg;
        try
        {
            leg = _media.CreateLeg($"demo-phone-{call.CalledUser}");
        }
        catch (MediaException)
        {
            call.Reject(486, "Busy Here");
            return;
        }
        try
        {
            var answer = new MediaNegotiation(_options.ListenAddress).Answer(offer, leg);
            if (answer is null)
            {
                call.Reject(488, "Not Acceptable Here");
                return;
            }
            call.Ring();
            var answerDelay = TimeSpan.FromSeconds(_options.DemoAnswerSeconds * (0.5 + Random.Shared.NextDouble()));
            await Task.WhenAny(call.Ended, Task.Delay(answerDelay, _time, _lifetime.Token));
            if (call.State == SipCallState.Ended || call.IsCancelled)
            {
                return;
            }
            await call.AnswerAsync(answer);
            Interlocked.Increment(ref _answered);
            _calls[call.CallId] = call;
            // The agent's "voice": a short tone every two seconds.
            leg.Play(AudioSources.Loop(() => AudioSources.Sequence(AudioSources.Tone(660, TimeSpan.FromMilliseconds(250), 0.1), AudioSources.Silence(TimeSpan.FromMilliseconds(1750)))));
            var handle = TimeSpan.FromSeconds(_options.DemoHandleExponential
                ? -Math.Log(1 - Random.Shared.NextDouble()) * _options.DemoHandleSeconds
                : _options.DemoHandleSeconds);
            await Task.WhenAny(call.Ended, Task.Delay(handle, _time, _lifetime.Token));
            if (call.State != SipCallState.Ended)
            {
                await call.HangupAsync();
                Interlocked.Increment(ref _hungUp);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Demo phone {AgentId} failed on call {CallId}", call.CalledUser, call.CallId);
        }
        finally
        {
            _calls.TryRemove(call.CallId, out _);
            await leg.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lifetime.Cancel();
        foreach (var call in _calls.Values)
        {
            await call.HangupAsync();
        }
        if (_phones is not null)
        {
            await _phones.DisposeAsync();
        }
    }

    private sealed class NoCredentials : ICredentialStore
    {
        public static readonly NoCredentials Instance = new();

        public ValueTask<string?> GetPasswordAsync(string user, CancellationToken ct) => ValueTask.FromResult<string?>(null);
    }
}
