using System.Runtime.InteropServices;
using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Commands;

public sealed record FailoverCommand(FailoverOptions Options) : Command;

/// <summary>
/// <c>failover --silos 3 --rate 500 --seconds 90 --kill-after 30 --out RESULT.json</c> (and
/// <c>--pg-outage 30</c>): exit 0 when no call was lost or duplicated and, after a kill, the
/// agents recovered within the limit; 1 otherwise; 2 for bad arguments.
/// </summary>
public static class Failover
{
    public static async Task<int> RunAsync(FailoverCommand command, CancellationToken cancellationToken)
    {
        var options = command.Options;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM too stops the silos and PostgreSQL before the process goes.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        var progress = options.OutPath is null ? Console.Error : Console.Out;
        FailoverReport report;
        try
        {
            report = await FailoverRun.RunAsync(options, progress, cancellation.Token);
        }
        catch (FailoverSetupException ex)
        {
            Console.Error.WriteLine($"failover: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("failover: cancelled (silos and PostgreSQL stopped)");
            return 1;
        }

        var json = report.Result.ToJson();
        if (options.OutPath is { } outPath)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            await File.WriteAllTextAsync(outPath, json + Environment.NewLine, CancellationToken.None);
            report.Result.WriteSummary(Console.Out);
            Console.Out.WriteLine($"result written to {outPath}");
        }
        else
        {
            report.Result.WriteSummary(Console.Error);
            Console.Out.WriteLine(json);
        }
        return report.ExitCode;
    }
}
