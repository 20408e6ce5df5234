using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>An agent's SIP account on a baresip phone.</summary>
/// <param name="User">The account user, e.g. agent1.</param>
/// <param name="Domain">host:port of the registrar (the gateway), also where unqualified dials go.</param>
/// <param name="Password">Digest password (RFC 8760/2617) the gateway challenges for.</param>
/// <param name="Register">Whether the phone REGISTERs (regint=600) or only places and takes calls (regint=0).</param>
/// <param name="AutoAnswer">Answer incoming calls at once (answermode=auto), like an agent in auto-answer.</param>
public sealed record BaresipAccount(string User, string Domain, string Password, bool Register = true, bool AutoAnswer = true)
{
    public string AddressOfRecord => $"sip:{User}@{Domain}";

    /// <summary>The baresip accounts line (baresip 1.0.0 syntax).</summary>
    public string ToAccountsLine() =>
        $"<{AddressOfRecord};transport=udp>;regint={(Register ? 600 : 0)};"
        + $"answermode={(AutoAnswer ? "auto" : "manual")};audio_codecs=pcmu,pcma;auth_pass={Password}";
}

/// <summary>An event baresip sends on its control socket (CALL_INCOMING, CALL_ESTABLISHED, REGISTER_OK...).</summary>
public sealed record BaresipEvent(
    string Type,
    string? Class,
    string? AccountAor,
    string? Direction,
    string? PeerUri,
    string? CallId,
    string? Param,
    string Raw);

/// <summary>The answer to a command; Data is the text the command printed (listcalls' table).</summary>
public sealed record BaresipResponse(bool Ok, string Data, string? Token);

/// <summary>
/// A baresip 1.0.0 softphone for one agent, controlled over ctrl_tcp (netstring-framed JSON).
/// No sound card: it sends a generated tone (aufile), discards what it plays (aubridge) and
/// dumps what it received into dump-*-dec.wav (sndfile), so a test can check the audio.
/// </summary>
public sealed class BaresipPhone : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly TcpClient _control;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<BaresipResponse>> _pending = new();
    private readonly List<BaresipEvent> _events = [];
    private readonly object _eventsGate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private int _nextToken;
    private Action? _eventArrived;

    private BaresipPhone(PeerProcess process, TcpClient control, string folder, int sipPort, BaresipAccount account)
    {
        _process = process;
        _control = control;
        _stream = control.GetStream();
        Folder = folder;
        SipPort = sipPort;
        Account = account;
        _reader = Task.Run(ReadAsync);
    }

    public BaresipAccount Account { get; }

    /// <summary>The port baresip listens on for SIP (UDP and TCP) on 127.0.0.1.</summary>
    public int SipPort { get; }

    /// <summary>Where this phone is reachable without registering: sip:user@127.0.0.1:port.</summary>
    public string ContactUri => $"sip:{Account.User}@127.0.0.1:{SipPort}";

    /// <summary>The config folder; also where sndfile writes its dumps.</summary>
    public string Folder { get; }

    public IReadOnlyList<BaresipEvent> Events
    {
        get
        {
            lock (_eventsGate) return [.. _events];
        }
    }

    /// <summary>baresip's own output, for failure messages.</summary>
    public string Log => _process.Describe();

    /// <summary>WAV files of the audio this phone received (sndfile's dump-*-dec.wav).</summary>
    public IReadOnlyList<string> ReceivedAudioFiles =>
        Directory.EnumerateFiles(Folder, "dump-*-dec.wav").Order(StringComparer.Ordinal).ToList();

    /// <summary>Writes the config, starts baresip and connects to its control socket.</summary>
    public static async Task<BaresipPhone> StartAsync(BaresipAccount account, CancellationToken cancellationToken = default)
    {
        var baresip = PeerTools.Require("baresip");
        // baresip also opens SIP over TCP on the SIP port and over TLS on the port above it.
        var sipPort = FreePorts.Consecutive(2);
        var controlPort = FreePorts.Sip();
        var rtpPorts = FreePorts.Consecutive(16);
        var folder = Directory.CreateTempSubdirectory("baresip-").FullName;
        var source = Path.Combine(folder, "agent-voice.wav");
        await File.WriteAllBytesAsync(source, AgentVoice(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "config"), Config(sipPort, controlPort, rtpPorts, source, folder), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "accounts"), account.ToAccountsLine() + "\n", cancellationToken);

        // -n: without it baresip names eth0's address in its SDP.
        var process = PeerProcess.Start(baresip, ["-f", folder, "-n", "127.0.0.1"], folder);
        var control = await ConnectAsync(controlPort, process, cancellationToken);
        return new BaresipPhone(process, control, folder, sipPort, account);
    }

    public Task<BaresipResponse> DialAsync(string uri, CancellationToken cancellationToken = default) =>
        CommandAsync("dial", uri, cancellationToken);

    public Task<BaresipResponse> AcceptAsync(CancellationToken cancellationToken = default) =>
        CommandAsync("accept", null, cancellationToken);

    public Task<BaresipResponse> HangupAsync(CancellationToken cancellationToken = default) =>
        CommandAsync("hangup", null, cancellationToken);

    /// <summary>Blind transfer of the current call (REFER, RFC 3515).</summary>
    public Task<BaresipResponse> TransferAsync(string uri, CancellationToken cancellationToken = default) =>
        CommandAsync("transfer", uri, cancellationToken);

    /// <summary>Sends digits as RFC 4733 telephone-events on the current call.</summary>
    public async Task SendDigitsAsync(string digits, CancellationToken cancellationToken = default)
    {
        if (digits.Any(c => !"0123456789*#ABCD".Contains(c))) throw new ArgumentException("DTMF digits are 0-9, *, #, A-D", nameof(digits));
        foreach (var digit in digits) await CommandAsync("sndcode", digit.ToString(), cancellationToken);
    }

    /// <summary>The listcalls table baresip prints ("--- Active calls (N) ---" ...).</summary>
    public async Task<string> ListCallsAsync(CancellationToken cancellationToken = default) =>
        (await CommandAsync("listcalls", null, cancellationToken)).Data;

    public async Task<string> RegistrationInfoAsync(CancellationToken cancellationToken = default) =>
        (await CommandAsync("reginfo", null, cancellationToken)).Data;

    /// <summary>Sends any ctrl_tcp command and waits for its response (matched by token).</summary>
    public async Task<BaresipResponse> CommandAsync(string command, string? parameters, CancellationToken cancellationToken = default)
    {
        var token = "t" + Interlocked.Increment(ref _nextToken);
        var answer = new TaskCompletionSource<BaresipResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[token] = answer;
        var json = JsonSerializer.Serialize(new ControlCommand(command, parameters, token));
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(Netstring.Encode(json), cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            return await answer.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"baresip did not answer '{command}'\n{Log}");
        }
        finally
        {
            _pending.TryRemove(token, out _);
        }
    }

    /// <summary>
    /// The first event of <paramref name="type"/> (seen since the phone started) that matches
    /// <paramref name="match"/>; waits up to <paramref name="timeout"/> for it.
    /// </summary>
    public async Task<BaresipEvent> WaitForEventAsync(
        string type, TimeSpan timeout, Func<BaresipEvent, bool>? match = null, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_eventsGate)
            {
                var found = _events.FirstOrDefault(e => e.Type == type && (match?.Invoke(e) ?? true));
                if (found is not null) return found;
                _eventArrived += () => arrived.TrySetResult();
            }
            try
            {
                await arrived.Task.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var seen = string.Join(", ", Events.Select(e => e.Type));
                throw new TimeoutException($"no {type} event from baresip within {timeout} (seen: {seen})\n{Log}");
            }
        }
    }

    /// <summary>
    /// Waits until the account is registered. The first REGISTER goes out before our control
    /// connection is up, so its REGISTER_OK event can be lost: reginfo is asked as well.
    /// </summary>
    public async Task WaitForRegistrationAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            if (Events.Any(e => e.Type == "REGISTER_OK")) return;
            var info = await RegistrationInfoAsync(cancellationToken);
            if (info.Split('\n').Any(line => line.Contains(Account.AddressOfRecord, StringComparison.Ordinal) && line.Contains("OK", StringComparison.Ordinal))) return;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"{Account.AddressOfRecord} not registered within {timeout}: {info}\n{Log}");
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    /// <summary>Peak amplitude (0..32767) of everything this phone received, over all its dumps.</summary>
    public int ReceivedPeakAmplitude()
    {
        var peak = 0;
        foreach (var file in ReceivedAudioFiles)
        {
            var bytes = File.ReadAllBytes(file);
            // sndfile writes the header when it closes the file: a dump still open may be incomplete.
            if (bytes.Length <= 44) continue;
            try
            {
                foreach (var sample in WavFile.Read(bytes).ToPcm16()) peak = Math.Max(peak, Math.Abs((int)sample));
            }
            catch (InvalidDataException)
            {
            }
        }
        return peak;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await CommandAsync("quit", null, quick.Token);
                await _process.WaitForExitAsync(TimeSpan.FromSeconds(3));
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // quit is a courtesy; the kill below is what guarantees the process is gone.
        }
        await _stop.CancelAsync();
        _control.Dispose();
        await _process.DisposeAsync();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
        _sendGate.Dispose();
    }

    private async Task ReadAsync()
    {
        var reader = new NetstringReader();
        var buffer = new byte[16 * 1024];
        while (!_stop.IsCancellationRequested)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            if (read == 0) break;
            foreach (var frame in reader.Feed(buffer.AsSpan(0, read))) Dispatch(frame);
        }
        foreach (var waiting in _pending.Values) waiting.TrySetException(new IOException("baresip closed its control socket"));
    }

    private void Dispatch(string frame)
    {
        using var document = JsonDocument.Parse(frame);
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        bool Flag(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

        if (Flag("response"))
        {
            var token = Text("token");
            if (token is not null && _pending.TryGetValue(token, out var waiting))
            {
                waiting.TrySetResult(new BaresipResponse(Flag("ok"), Text("data") ?? "", token));
            }
            return;
        }
        if (!Flag("event")) return;
        var received = new BaresipEvent(
            Text("type") ?? "", Text("class"), Text("accountaor"), Text("direction"), Text("peeruri"), Text("id"), Text("param"), frame);
        Action? notify;
        lock (_eventsGate)
        {
            _events.Add(received);
            notify = _eventArrived;
            _eventArrived = null;
        }
        notify?.Invoke();
    }

    private static async Task<TcpClient> ConnectAsync(int port, PeerProcess process, CancellationToken cancellationToken)
    {
        // baresip opens the control socket once its modules are loaded: poll for it, watching for an early exit.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException("baresip exited at start\n" + process.Describe());
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                return client;
            }
            catch (SocketException)
            {
                client.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
        await process.DisposeAsync();
        throw new TimeoutException("baresip's ctrl_tcp socket did not open\n" + process.Describe());
    }

    private static string Config(int sipPort, int controlPort, int rtpPorts, string source, string folder)
    {
        var lines = new StringBuilder();
        void Set(string key, string value) => lines.Append(key).Append('\t').Append(value).Append('\n');
        Set("poll_method", "epoll");
        Set("sip_listen", $"127.0.0.1:{sipPort}");
        Set("sip_trans_def", "udp");
        Set("audio_source", $"aufile,{source}");
        Set("audio_player", "aubridge,agent");
        Set("audio_alert", "aubridge,agent");
        Set("audio_srate", "8000");
        Set("audio_channels", "1");
        Set("rtp_ports", $"{rtpPorts}-{rtpPorts + 15}");
        Set("module_path", "/usr/lib/baresip/modules");
        foreach (var module in new[] { "g711.so", "aufile.so", "aubridge.so", "sndfile.so" }) Set("module", module);
        // menu provides the dial/accept/hangup/... commands that ctrl_tcp forwards; no stdio (no terminal).
        foreach (var module in new[] { "account.so", "menu.so", "ctrl_tcp.so" }) Set("module_app", module);
        Set("ctrl_tcp_listen", $"127.0.0.1:{controlPort}");
        Set("snd_path", folder);
        return lines.ToString();
    }

    /// <summary>Twenty seconds of a 440 Hz tone, 8 kHz mono: loud enough to find in the far end's recording.</summary>
    private static byte[] AgentVoice()
    {
        const int sampleRate = 8000;
        var samples = new short[sampleRate * 20];
        for (var i = 0; i < samples.Length; i++) samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / sampleRate));
        return WavFile.FromPcm16(samples, sampleRate).ToArray();
    }

    private sealed record ControlCommand(
        [property: JsonPropertyName("command")] string Command,
        [property: JsonPropertyName("params"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Params,
        [property: JsonPropertyName("token")] string Token);
}
