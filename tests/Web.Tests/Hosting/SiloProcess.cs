using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CallCenter.Web.Tests.Hosting;

/// <summary>
/// The real embedded default (CallCenter.Silo with demo center, demo traffic and the web site),
/// started as a child process on free loopback ports, the SIP gateway off. Stopped (the whole
/// process tree) when the tests are done.
/// </summary>
public sealed class SiloProcess : IAsyncLifetime
{
    /// <summary>Enough demo calls that the wallboard's figures move every few seconds and the desk agent gets a call soon.</summary>
    public const int CallsPerMinute = 60;
    /// <summary>An integration's API key the silo is started with (role Supervisor).</summary>
    public const string ApiKeyName = "integration";
    public const string ApiKey = "web-tests-api-key-0123456789abcdef";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly StringBuilder _output = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public async Task InitializeAsync()
    {
        var silo = Path.Combine(RepositoryRoot(), "Silo", "bin", Configuration, "net10.0", "CallCenter.Silo.dll");
        if (!File.Exists(silo))
            throw new FileNotFoundException($"Build the silo first ({silo} is missing).", silo);
        var (siloPort, gatewayPort, webPort) = (FreePort(), FreePort(), FreePort());
        BaseAddress = new Uri($"http://127.0.0.1:{webPort}/");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            silo, "--gateway", "false", "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}",
            "--web-port", $"{webPort}", "--metrics-port", "0", "--summary-seconds", "0", "--calls-per-minute", $"{CallsPerMinute}",
            "--cluster-id", $"web-tests-{webPort}",
            $"--{WebOptions.Section}:ApiKeys:{ApiKeyName}:Key", ApiKey, $"--{WebOptions.Section}:ApiKeys:{ApiKeyName}:Role", "Supervisor",
        })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_gcServer"] = "0";
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo.");
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The silo exited with {_process.ExitCode}:\n{Output}");
            try
            {
                if ((await http.GetAsync("login")).IsSuccessStatusCode && Output.Contains("Seeded", StringComparison.Ordinal))
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The silo's web site did not come up within {StartTimeout}:\n{Output}");
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }

    private static string Configuration =>
        typeof(SiloProcess).Assembly.Location.Split(Path.DirectorySeparatorChar).Contains("Debug") ? "Debug" : "Release";

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CallCenter.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException("CallCenter.sln not found above the test's folder.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloProcess>
{
    public const string Name = "embedded silo with the web site";
}
