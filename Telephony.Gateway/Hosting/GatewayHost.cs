using CallCenter.Telephony.Gateway.Calls;
using CallCenter.Telephony.Gateway.Ivr;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Metrics;
using CallCenter.Telephony.Gateway.Sip;
using Microsoft.Extensions.Hosting;

namespace CallCenter.Telephony.Gateway.Hosting;

/// <summary>
/// Starts the SIP media gateway beside the silo (or an Orleans client): IVR menus and their prompts,
/// the media engine, the SIP user agent on the configured address, call control, and the demo
/// agents' phones when asked for.
/// </summary>
public sealed class GatewayHost(IGrainFactory grains, GatewayOptions options, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<GatewayHost>();
    private IvrMenuCatalog? _menus;
    private MediaEngine? _media;
    private SipUserAgent? _sip;
    private CallControl? _control;
    private DemoAgentPhones? _demo;
    private IDisposable? _metrics;

    /// <summary>Call control, once started (tests and metrics read it).</summary>
    public CallControl? Control => _control;

    public SipUserAgent? UserAgent => _sip;

    public DemoAgentPhones? DemoPhones => _demo;

    public MediaEngine? Media => _media;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _menus = IvrMenuCatalog.Load(options.MenusFolderOrDefault, loggers.CreateLogger<IvrMenuCatalog>());
        foreach (var error in _menus.Errors)
        {
            _logger.LogError("IVR menu problem: {Error}", error);
        }
        var prompts = await PromptLibrary.PrepareAsync(_menus.Menus, options.PromptFolderOrDefault, loggers.CreateLogger<PromptLibrary>(), cancellationToken);
        _media = new MediaEngine(new MediaOptions
        {
            BindAddress = options.ListenAddress,
            PortMin = options.RtpPortMin,
            PortMax = options.RtpPortMax,
            RecordingFolder = options.RecordingFolderOrDefault,
        }, time, loggers.CreateLogger<MediaEngine>());
        _sip = new SipUserAgent(new SipUserAgentOptions
        {
            ListenAddress = options.ListenAddress,
            Port = options.SipPort,
            Udp = options.Udp,
            Tcp = options.Tcp,
            Realm = options.Realm,
            MaxTransactionsPerSource = options.MaxTransactionsPerSource,
        }, new AgentCredentials(grains, options, loggers.CreateLogger<AgentCredentials>()), time, loggers);
        try
        {
            await _sip.StartAsync(cancellationToken);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new InvalidOperationException(
                $"The SIP gateway cannot listen on {options.ListenAddress}:{options.SipPort} ({ex.SocketErrorCode}); set {GatewayOptions.Section}:SipPort (--sip-port) to a free port or turn the gateway off (--gateway false).", ex);
        }
        _control = new CallControl(grains, _sip, _media, _menus, prompts, new DemoBillingService(), options, time, loggers);
        _control.Start();
        _metrics = GatewayMeter.Track(this);
        _menus.Reloaded += () => _ = RefreshPromptsAsync();
        var services = string.Join(", ", _menus.Menus.Where(m => m.Survey is null).Select(m => $"{m.Service} ({m.Id})"));
        _logger.LogInformation("SIP gateway listening on {Address}:{Port} ({Transports}); service numbers: {Services}; prompts: {Voice}",
            options.ListenAddress, options.Udp ? _sip.UdpEndPoint.Port : _sip.TcpEndPoint.Port,
            string.Join("+", new[] { options.Udp ? "udp" : null, options.Tcp ? "tcp" : null }.OfType<string>()), services,
            prompts.UsesSpeech ? "espeak-ng speech" : "tones (apt-get install espeak-ng for speech)");
        if (options.DemoAgents > 0)
        {
            _demo = new DemoAgentPhones(grains, _media, options, options.Udp ? _sip.UdpEndPoint : _sip.TcpEndPoint, time, loggers);
            await _demo.StartAsync(cancellationToken);
        }
    }

    private async Task RefreshPromptsAsync()
    {
        try
        {
            _control!.Prompts = await PromptLibrary.PrepareAsync(_menus!.Menus, options.PromptFolderOrDefault, loggers.CreateLogger<PromptLibrary>(), CancellationToken.None);
            _control.PromptCache.Clear();
            _logger.LogInformation("IVR menus reloaded: {Count} menus", _menus.Menus.Count);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Prompts for the reloaded menus could not be prepared; the previous prompts stay");
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        _metrics?.Dispose();
        _metrics = null;
        if (_demo is not null) await _demo.DisposeAsync();
        if (_control is not null) await _control.DisposeAsync();
        if (_sip is not null) await _sip.DisposeAsync();
        if (_media is not null) await _media.DisposeAsync();
        _menus?.Dispose();
        (_demo, _control, _sip, _media, _menus) = (null, null, null, null, null);
    }
}
