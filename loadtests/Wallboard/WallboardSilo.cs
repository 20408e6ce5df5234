using System.Diagnostics;
using System.Globalization;
using System.Text;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Hosting;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>
/// The embedded default as the README's run command starts it (one silo with memory storage and
/// the co-hosted web site), as a child process on free loopback ports: no demo center and no demo
/// traffic (the simulator brings its own), the demo users seeded so that a supervisor can log in,
/// the SIP gateway and the metrics endpoint off. Stopped, with its process tree, on dispose.
/// </summary>
public sealed class WallboardSilo : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private WallboardSilo(Process process, Uri web, GatewayEndpoint gateway)
    {
        _process = process;
        Web = web;
        Gateway = gateway;
    }

    public Uri Web { get; }

    /// <summary>Where the simulator and the probe join the silo as a client.</summary>
    public GatewayEndpoint Gateway { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static async Task<WallboardSilo> StartAsync(string siloDll, TextWriter progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(siloDll))
        {
            throw new FailoverSetupException($"the silo build is missing: {siloDll} (build it: dotnet build Silo -c Release, or give --silo-dll)");
        }
        var (siloPort, gatewayPort, webPort) = (SimulationHost.FreeTcpPort(), SimulationHost.FreeTcpPort(), SimulationHost.FreeTcpPort());
        var clusterId = $"wallboard-{webPort}";
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            siloDll, "--demo", "false", "--CallCenter:Web:SeedDemoUsers", "true", "--gateway", "false",
            "--silo-port", Text(siloPort), "--gateway-port", Text(gatewayPort), "--web-port", Text(webPort),
            "--metrics-port", "0", "--summary-seconds", "0", "--cluster-id", clusterId,
        })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new FailoverSetupException("could not start the silo process");
        var silo = new WallboardSilo(process, new Uri($"http://127.0.0.1:{webPort}/"), new GatewayEndpoint("127.0.0.1", gatewayPort, clusterId));
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo.WaitUntilServingAsync(cancellationToken);
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
        progress.WriteLine($"[wallboard] silo pid {process.Id}: web {silo.Web}, gateway {silo.Gateway}, cluster {clusterId}");
        return silo;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            // Keep the start and the latest lines: enough to explain a failure, bounded for a long run.
            if (_output.Length > 200_000)
            {
                _output.Remove(20_000, 100_000);
            }
            _output.AppendLine(line);
        }
    }

    /// <summary>Up when the login page answers and the demo users are in the directory.</summary>
    private async Task WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Web, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new FailoverSetupException($"the silo exited with {_process.ExitCode}:{Environment.NewLine}{Output}");
            }
            try
            {
                if ((await http.GetAsync("login", cancellationToken)).IsSuccessStatusCode && Output.Contains("Seeded", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new FailoverSetupException($"the silo's web site did not come up within {StartTimeout}:{Environment.NewLine}{Output}");
    }

    /// <summary>CPU time the silo process has used so far (user and system).</summary>
    public TimeSpan CpuTime()
    {
        try
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    public bool HasExited => _process.HasExited;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }
}
