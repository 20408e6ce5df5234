using System.Runtime.InteropServices;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Wallboard;
using Microsoft.Playwright;

namespace CallCenter.LoadTests.Commands;

public sealed record WallboardCommand(WallboardOptions Options) : Command;

/// <summary>
/// <c>wallboard [--circuits 50] [--rate 1000] [--seconds 120] [--out WALLBOARD.json]</c>: exit 0
/// when the pages showed the probe's changes, 3 when none was seen (the path is broken), 1 when the
/// silo, the browser or the simulator could not be set up.
/// </summary>
public static class WallboardBenchmark
{
    public static async Task<int> RunAsync(WallboardCommand command, CancellationToken cancellationToken)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM too stops the silo and the browser before the process goes.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        WallboardResult result;
        try
        {
            result = await WallboardRun.RunAsync(command.Options, Console.Error, cancellation.Token);
        }
        catch (Exception ex) when (ex is FailoverSetupException or PlaywrightException)
        {
            Console.Error.WriteLine($"wallboard: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("wallboard: cancelled (silo and browser stopped)");
            return 1;
        }
        result.WriteSummary(Console.Out);
        if (command.Options.OutPath is { } outPath)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            await File.WriteAllTextAsync(outPath, result.ToJson() + Environment.NewLine, CancellationToken.None);
            Console.Out.WriteLine($"result written to {outPath}");
        }
        return result.StateChangeToRender.Count > 0 ? 0 : Simulate.ExitViolations;
    }
}
