using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CallCenter.Web.Tests.Browser;
using CallCenter.Web.Tests.Hosting;

namespace CallCenter.Web.Tests.Benchmarks;

/// <summary>
/// The wallboard benchmark (<c>loadtests -- wallboard</c>) in a CI-sized run: its own silo with the
/// web site, 3 wallboard circuits in Chromium, a few calls a second, a few probes. It proves the
/// path works end to end (the pages show the probe's changes, the JSON is written); the figures
/// themselves are the benchmark's to print, never asserted here.
/// </summary>
/// <remarks>
/// Its own non-parallel collection, so that it runs alone after the shared silo's tests: beside them
/// its silo, simulator and browser starve the demo silo (demo agents ring out and go not ready).
/// </remarks>
[Collection(Name)]
public sealed class WallboardBenchmarkRunTests
{
    public const string Name = "wallboard benchmark run";

    /// <summary>Only for waiting on a loaded machine.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(8);

    [BrowserFact]
    public async Task A_small_run_shows_the_probes_changes_on_the_circuits_and_writes_the_json()
    {
        var root = SiloProcess.RepositoryRoot();
        var configuration = typeof(WallboardBenchmarkRunTests).Assembly.Location.Split(Path.DirectorySeparatorChar).Contains("Debug") ? "Debug" : "Release";
        var tool = Path.Combine(root, "loadtests", "bin", configuration, "net10.0", "CallCenter.LoadTests.dll");
        Assert.True(File.Exists(tool), $"Build the load tests first ({tool} is missing).");
        var folder = Directory.CreateTempSubdirectory("wallboard-bench-");
        var json = Path.Combine(folder.FullName, "WALLBOARD.json");
        try
        {
            var (exit, output) = await RunAsync(tool,
                "wallboard", "--circuits", "3", "--rate", "10", "--seconds", "30", "--warm-up-seconds", "2",
                "--probe-gap-seconds", "4", "--handle-seconds", "2", "--chromium", BrowserFactAttribute.ChromiumPath, "--out", json);
            Assert.True(exit == 0, $"exit code {exit}:\n{output}");
            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var r = result.RootElement;
            Assert.Equal(3, r.GetProperty("circuitsOpen").GetInt32());
            var probes = r.GetProperty("probes").GetInt32();
            Assert.True(probes >= 3, $"{probes} probes");
            // The pages showed the probe's changes: at least as many renders of a change as there are circuits.
            Assert.True(r.GetProperty("stateChangeToRender").GetProperty("count").GetInt32() >= 3, output);
            Assert.True(r.GetProperty("traffic").GetProperty("offered").GetInt64() > 0, output);
            Assert.Contains("state change -> render", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(tool);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        var output = new StringBuilder();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the load tool");
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output) return (-1, $"timed out after {Patience}:\n{output}");
        }
        lock (output) return (process.ExitCode, output.ToString());
    }
}

[CollectionDefinition(WallboardBenchmarkRunTests.Name, DisableParallelization = true)]
public sealed class WallboardBenchmarkRunCollection;
