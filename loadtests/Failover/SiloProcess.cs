using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CallCenter.LoadTests.Failover;

/// <summary>How the silos of a run are started: the build, the database and the cluster's ids.</summary>
/// <param name="ExtraArguments">More silo switches (the scaling run's <c>--clock-speed</c> and <c>--clock-start</c>).</param>
public sealed record SiloLaunch(string SiloDll, string ConnectionString, string ClusterId, string ServiceId, string LogDirectory, IReadOnlyList<string>? ExtraArguments = null);

/// <summary>
/// One silo process (<c>dotnet CallCenter.Silo.dll --storage postgres ...</c>), its output appended
/// to a log file by the shell that execs it, so the log survives whatever happens to this process.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;

    private SiloProcess(int index, int siloPort, int gatewayPort, string logPath, Process process)
    {
        Index = index;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        LogPath = logPath;
        _process = process;
        Pid = process.Id;
    }

    public int Index { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }
    public string LogPath { get; }
    public int Pid { get; }
    public bool Killed { get; private set; }
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static SiloProcess Start(SiloLaunch launch, int index, int siloPort, int gatewayPort, IReadOnlyList<string>? extraArgs = null)
    {
        var logPath = Path.Combine(launch.LogDirectory, $"silo-{index}.log");
        var process = StartLogged(logPath,
        [
            DotnetHost, launch.SiloDll,
            "--storage", "postgres",
            "--connection-string", launch.ConnectionString,
            "--cluster-id", launch.ClusterId,
            "--service-id", launch.ServiceId,
            "--silo-port", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--demo", "false",
            // Several silos share this host: no fixed metrics port (each would take 9464).
            "--metrics-port", "0",
            "--summary-seconds", "0",
            // Records buffered while PostgreSQL is down stay in the run's folder.
            "--history-spill-folder", Path.Combine(launch.LogDirectory, $"spill-{index}"),
            // The silo stops itself if this process dies without stopping it (SIGKILL, a crash).
            "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. extraArgs ?? [],
            .. launch.ExtraArguments ?? [],
        ]);
        return new SiloProcess(index, siloPort, gatewayPort, logPath, process);
    }

    /// <summary>Runs <c>dotnet CallCenter.Silo.dll migrate</c> once, before any silo starts, so that silos never race to create the schema.</summary>
    public static async Task MigrateAsync(SiloLaunch launch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var logPath = Path.Combine(launch.LogDirectory, "migrate.log");
        using var process = StartLogged(logPath, [DotnetHost, launch.SiloDll, "migrate", "--connection-string", launch.ConnectionString]);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            cancellationToken.ThrowIfCancellationRequested();
            throw new FailoverSetupException($"the silo's migrate did not finish within {timeout.TotalSeconds:0} s; see {logPath}");
        }
        if (process.ExitCode != 0)
        {
            throw new FailoverSetupException($"the silo's migrate failed (exit {process.ExitCode}):{Environment.NewLine}{Tail(logPath, 20)}");
        }
    }

    /// <summary>The dotnet host running this tool (the SDK names it in DOTNET_HOST_PATH), else the one on the PATH.</summary>
    public static string DotnetHost { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>SIGKILL: no shutdown, no goodbye to the cluster, exactly like a crashed machine.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill();
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGTERM (the host's graceful shutdown), then SIGKILL if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        if (kill(Pid, SigTerm) != 0)
        {
            _process.Kill();
        }
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    public string LogTail(int lines) => Tail(LogPath, lines);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static Process StartLogged(string logPath, IReadOnlyList<string> command)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        // exec: the shell becomes the silo, so the process id is the silo's and a kill reaches it.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$@\" >>\"$FAILOVER_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("bash");
        foreach (var arg in command)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["FAILOVER_LOG"] = logPath;
        // Plain, uncoloured logs in the files.
        start.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        start.Environment["NO_COLOR"] = "1";
        return Process.Start(start) ?? throw new FailoverSetupException($"could not start {string.Join(' ', command.Take(2))}");
    }

    public static string Tail(string path, int lines)
    {
        try
        {
            return string.Join(Environment.NewLine, File.ReadLines(path).TakeLast(lines));
        }
        catch (IOException)
        {
            return $"({path} unreadable)";
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
