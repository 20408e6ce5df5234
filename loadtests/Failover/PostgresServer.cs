using System.Diagnostics;
using Npgsql;

namespace CallCenter.LoadTests.Failover;

/// <summary>The run's own PostgreSQL server, started and stopped with scripts/pg.sh in the run's folder.</summary>
public sealed class PostgresServer(string script, string dataDirectory) : IAsyncDisposable
{
    private bool _started;

    public string DataDirectory { get; } = dataDirectory;
    public string ConnectionString { get; private set; } = "";
    public int? Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var args = new List<string> { "start", DataDirectory };
        var portFile = Path.Combine(DataDirectory, "port");
        var restart = Port is not null;
        if (restart)
        {
            // A restart after an outage: the same port, so every connection string stays valid.
            args.Add(File.ReadAllText(portFile).Trim());
        }
        _started = true;
        string output;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                output = await RunAsync(args, cancellationToken);
                break;
            }
            catch (FailoverSetupException) when (!restart && attempt < 3)
            {
                // The free port pg.sh chose was taken before the server bound it (another test
                // on this machine): choose again.
                File.Delete(portFile);
                await Task.Delay(500, cancellationToken);
            }
        }
        ConnectionString = output.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim()
            ?? throw new FailoverSetupException("scripts/pg.sh start printed no connection string");
        Port = new NpgsqlConnectionStringBuilder(ConnectionString).Port;
        StartWatchdog();
    }

    /// <summary>
    /// A detached shell (its own session, so a signal to this process group does not reach it) that
    /// stops the server once this process has gone while the server still runs: a harness killed
    /// before its finally blocks ran (SIGKILL, a crash) leaves no PostgreSQL behind. It ends by
    /// itself when the data folder is deleted; a server stopped normally is left alone.
    /// </summary>
    private void StartWatchdog()
    {
        const string Watch = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
            if [ -e "$2/postmaster.pid" ]; then bash "$3" stop "$2"; fi
            """;
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var arg in new[] { "bash", "-c", Watch, "pg-watchdog", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), DataDirectory, script })
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            using var watchdog = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No setsid here: the finally blocks still stop the server; only a killed harness would leave it.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        NpgsqlConnection.ClearAllPools();
        return RunAsync(["stop", DataDirectory], cancellationToken);
    }

    private async Task<string> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new FailoverSetupException("could not start bash for scripts/pg.sh");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // pg.sh is short; let it finish so that the server is in a known state.
            await process.WaitForExitAsync(CancellationToken.None);
        }
        if (process.ExitCode != 0)
        {
            throw new FailoverSetupException($"scripts/pg.sh {string.Join(' ', args)} failed ({process.ExitCode}): {(await error).Trim()}");
        }
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            _started = false;
            await StopAsync();
        }
    }
}
