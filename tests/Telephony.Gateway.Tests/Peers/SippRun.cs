using System.Globalization;
using System.Runtime.InteropServices;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

public enum SippTransport
{
    /// <summary>UDP, one socket for all calls (-t u1).</summary>
    Udp,
    /// <summary>TCP, one connection for all calls (-t t1).</summary>
    Tcp,
}

/// <summary>One SIPp invocation. Ports left at 0 are chosen free by the harness.</summary>
public sealed record SippOptions
{
    /// <summary>A scenario file (see <see cref="PeerTools.Scenario"/>) or, with <see cref="BuiltIn"/>, a -sn name.</summary>
    public required string Scenario { get; init; }

    /// <summary>True when <see cref="Scenario"/> names a built-in scenario (uac, uas, ...).</summary>
    public bool BuiltIn { get; init; }

    /// <summary>host:port to call; null for a UAS that only answers.</summary>
    public string? Remote { get; init; }

    /// <summary>The number dialled, [service] in the scenario (-s).</summary>
    public string Service { get; init; } = "1000";

    public int LocalPort { get; init; }

    /// <summary>RTP port (-mp); SIPp uses it and a few above it (echo, per-call pcap ports).</summary>
    public int MediaPort { get; init; }

    /// <summary>Stop after this many calls (-m).</summary>
    public int? MaxCalls { get; init; }

    /// <summary>New calls per second (-r).</summary>
    public double? CallsPerSecond { get; init; }

    /// <summary>At most this many calls at once (-l).</summary>
    public int? ConcurrentCalls { get; init; }

    /// <summary>Length of the scenario's default pause (-d): talk time, ring time, consultation time.</summary>
    public TimeSpan? PauseLength { get; init; }

    /// <summary>
    /// Default wait for an expected message (-recv_timeout); uas-agent.xml uses it as the handle time.
    /// </summary>
    public TimeSpan? ReceiveTimeout { get; init; }

    public SippTransport Transport { get; init; } = SippTransport.Udp;

    /// <summary>SIPp ends itself after this (-timeout); the harness kills it a little later.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Echo received RTP back (-rtp_echo), so the far end hears itself.</summary>
    public bool RtpEcho { get; init; }

    /// <summary>Write every response time to the _rtt.csv (-trace_rtt) for percentiles.</summary>
    public bool TraceResponseTimes { get; init; } = true;

    /// <summary>Scenario keywords set with -key (e.g. consult=2000 for uac-refer-replaces.xml).</summary>
    public IReadOnlyDictionary<string, string> Keys { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}

/// <summary>What SIPp's exit code says (SIPp manual, "exit codes").</summary>
public enum SippExit
{
    AllCallsSucceeded,
    SomeCallsFailed,
    StoppedByCommand,
    NoCallProcessed,
    FatalError,
    BindError,
    KilledByHarness,
    Other,
}

public sealed record SippResult(
    int ExitCode,
    SippStats? Stats,
    ResponseTimes? ResponseTimes,
    string Output,
    string Errors,
    string CommandLine)
{
    public SippExit Exit => SippRun.Meaning(ExitCode);

    public bool AllCallsSucceeded => Exit == SippExit.AllCallsSucceeded;

    /// <summary>Everything a failing assertion should show.</summary>
    public string Describe() =>
        $"$ {CommandLine}\nexit {ExitCode} ({Exit}); {Stats}\n--- errors ---\n{Errors}\n--- output ---\n{Output}";
}

/// <summary>
/// Runs SIPp with the options tests and the bench need: always on 127.0.0.1, never reading stdin,
/// with statistics (-trace_stat, ';'-separated CSV) and errors (-trace_err) in its own folder, where a
/// "pcap" link to the sip-tester pcaps makes scenarios' "pcap/..." names resolve.
/// </summary>
public sealed class SippRun : IAsyncDisposable
{
    private const int SigUsr1 = 10;

    private readonly PeerProcess _process;

    private SippRun(PeerProcess process, string folder, int localPort, int mediaPort)
    {
        _process = process;
        Folder = folder;
        LocalPort = localPort;
        MediaPort = mediaPort;
    }

    /// <summary>The SIP port this SIPp listens on, e.g. for a UAS that others call.</summary>
    public int LocalPort { get; }

    public int MediaPort { get; }

    /// <summary>"127.0.0.1:port", ready for <see cref="SippOptions.Remote"/> of another run.</summary>
    public string Address => $"127.0.0.1:{LocalPort}";

    public string Folder { get; }

    public int ProcessId => _process.Id;

    /// <summary>Runs a scenario to its end (or kills it at Timeout + 10 s) and reads its statistics.</summary>
    public static async Task<SippResult> RunAsync(SippOptions options, CancellationToken cancellationToken = default)
    {
        await using var run = Start(options);
        return await run.WaitAsync(options.Timeout + TimeSpan.FromSeconds(10), cancellationToken);
    }

    /// <summary>Starts SIPp in the background (a UAS that others call); stop it with StopAsync.</summary>
    public static SippRun Start(SippOptions options)
    {
        var sipp = PeerTools.Require("sipp");
        var localPort = options.LocalPort != 0 ? options.LocalPort : FreePorts.Sip();
        // -mp itself, its RTCP neighbour and SIPp's per-call [auto_media_port] ports (+4 per call).
        var mediaPort = options.MediaPort != 0 ? options.MediaPort : FreePorts.Consecutive(8);
        var folder = Directory.CreateTempSubdirectory("sipp-").FullName;
        if (Directory.Exists(PeerTools.SippPcapFolder))
        {
            Directory.CreateSymbolicLink(Path.Combine(folder, "pcap"), PeerTools.SippPcapFolder);
        }
        var arguments = Arguments(options, localPort, mediaPort, StatFile(folder), ErrorFile(folder));
        var process = PeerProcess.Start(sipp, arguments, folder);
        return new SippRun(process, folder, localPort, mediaPort);
    }

    /// <summary>The SIPp command line for these options (pure, so tests can check it).</summary>
    public static IReadOnlyList<string> Arguments(SippOptions options, int localPort, int mediaPort, string statFile, string errorFile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(localPort);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mediaPort);
        if (options.CallsPerSecond is <= 0) throw new ArgumentOutOfRangeException(nameof(options), "CallsPerSecond must be positive");
        if (options.MaxCalls is <= 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxCalls must be positive");

        var arguments = new List<string>();
        if (options.Remote is not null) arguments.Add(options.Remote);
        arguments.AddRange(options.BuiltIn ? ["-sn", options.Scenario] : ["-sf", options.Scenario]);
        arguments.AddRange(["-s", options.Service]);
        arguments.AddRange(["-i", "127.0.0.1", "-p", Invariant(localPort), "-mp", Invariant(mediaPort)]);
        arguments.AddRange(["-t", options.Transport == SippTransport.Tcp ? "t1" : "u1"]);
        if (options.MaxCalls is { } max) arguments.AddRange(["-m", Invariant(max)]);
        if (options.CallsPerSecond is { } rate)
        {
            // -r counts calls per -rp period: a fractional rate becomes calls per 10 s.
            if (rate == Math.Floor(rate)) arguments.AddRange(["-r", Invariant((int)rate)]);
            else arguments.AddRange(["-r", Invariant((int)Math.Round(rate * 10)), "-rp", "10000"]);
        }
        if (options.ConcurrentCalls is { } limit) arguments.AddRange(["-l", Invariant(limit)]);
        if (options.PauseLength is { } pause) arguments.AddRange(["-d", Invariant((long)pause.TotalMilliseconds)]);
        if (options.ReceiveTimeout is { } receive) arguments.AddRange(["-recv_timeout", Invariant((long)receive.TotalMilliseconds)]);
        if (options.RtpEcho) arguments.Add("-rtp_echo");
        foreach (var (key, value) in options.Keys) arguments.AddRange(["-key", key, value]);
        arguments.AddRange(["-nostdin", "-timeout", Invariant((long)Math.Ceiling(options.Timeout.TotalSeconds)) + "s"]);
        arguments.AddRange(["-trace_stat", "-stf", statFile, "-fd", "1"]);
        arguments.AddRange(["-trace_err", "-error_file", errorFile]);
        if (options.TraceResponseTimes) arguments.AddRange(["-trace_rtt", "-rtt_freq", "1"]);
        arguments.AddRange(options.ExtraArguments);
        return arguments;
    }

    public static SippExit Meaning(int exitCode) => exitCode switch
    {
        0 => SippExit.AllCallsSucceeded,
        1 => SippExit.SomeCallsFailed,
        97 => SippExit.StoppedByCommand,
        99 => SippExit.NoCallProcessed,
        255 or -1 => SippExit.FatalError,
        254 or -2 => SippExit.BindError,
        137 or -9 => SippExit.KilledByHarness,
        _ => SippExit.Other,
    };

    /// <summary>Waits for SIPp to end by itself (its -m calls done or its -timeout), killing it after <paramref name="timeout"/>.</summary>
    public async Task<SippResult> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!await _process.WaitForExitAsync(timeout, cancellationToken)) await _process.DisposeAsync();
        return Collect();
    }

    /// <summary>
    /// Asks SIPp to stop as if 'q' was pressed (SIGUSR1: no new calls, wait for running ones), and
    /// kills it if it has not ended within <paramref name="grace"/>.
    /// </summary>
    public async Task<SippResult> StopAsync(TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, SigUsr1);
        return await WaitAsync(grace, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a dying SIPp: the temp folder is cleaned up later by the OS.
        }
    }

    private SippResult Collect()
    {
        var statFile = StatFile(Folder);
        var stats = File.Exists(statFile) ? SippStats.ParseFile(File.ReadAllText(statFile)) : null;
        var rtt = Directory.EnumerateFiles(Folder, "*_rtt.csv").FirstOrDefault();
        var times = rtt is null ? null : ResponseTimes.FromRttFile(File.ReadAllText(rtt));
        var errorFile = ErrorFile(Folder);
        var errors = File.Exists(errorFile) ? File.ReadAllText(errorFile) : "";
        var exitCode = _process.HasExited ? _process.ExitCode : -9;
        return new SippResult(exitCode, stats, times, _process.Output, errors, _process.CommandLine);
    }

    private static string StatFile(string folder) => Path.Combine(folder, "stat.csv");

    private static string ErrorFile(string folder) => Path.Combine(folder, "errors.log");

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
