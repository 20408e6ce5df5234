using System.Diagnostics;
using System.Text;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>
/// A peer process (sipp, baresip, kamailio) that is killed with its children on dispose and keeps
/// the tail of its output, so a failing test can show what the peer said.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private const int KeptCharacters = 64 * 1024;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _outputGate = new();

    private PeerProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last 64 KiB of stdout and stderr, interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (_outputGate) return _output.ToString();
        }
    }

    public static PeerProcess Start(string fileName, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new PeerProcess(process, fileName + " " + string.Join(' ', arguments.Select(Quote)));
        process.OutputDataReceived += (_, e) => peer.Append(e.Data);
        process.ErrorDataReceived += (_, e) => peer.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Waits for the process to end; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Command line and output, for a test's failure message.</summary>
    public string Describe() =>
        $"$ {CommandLine}\n{(HasExited ? $"(exit code {ExitCode})" : "(still running)")}\n{Output}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_outputGate)
        {
            _output.AppendLine(line);
            if (_output.Length > KeptCharacters) _output.Remove(0, _output.Length - KeptCharacters);
        }
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => !char.IsWhiteSpace(c) && c != '"') ? argument : $"\"{argument}\"";
}
