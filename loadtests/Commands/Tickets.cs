using System.Runtime.InteropServices;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Tickets;

namespace CallCenter.LoadTests.Commands;

public sealed record TicketsCommand(TicketBenchOptions Options) : Command;

/// <summary>
/// <c>tickets --tickets 10000 [--storage postgres] [--restart-at 0.5|none] [--out RESULT.json]</c>:
/// exit 0 when every ticket past its deadline escalated exactly once (grain state and
/// ticket_events agree) and the latest escalation was within the lateness limit; 1 otherwise;
/// 2 for bad arguments.
/// </summary>
public static class Tickets
{
    public static async Task<int> RunAsync(TicketsCommand command, CancellationToken cancellationToken)
    {
        var options = command.Options;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        TicketBenchReport report;
        try
        {
            report = await TicketBenchRun.RunAsync(options, Console.Out, cancellation.Token);
        }
        catch (FailoverSetupException ex)
        {
            Console.Error.WriteLine($"tickets: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("tickets: cancelled (silos and PostgreSQL stopped)");
            return 1;
        }
        report.Result.WriteSummary(Console.Out);
        if (options.OutPath is { } outPath)
        {
            if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }
            await File.WriteAllTextAsync(outPath, report.Result.ToJson() + Environment.NewLine, CancellationToken.None);
            Console.Out.WriteLine($"result written to {outPath}");
        }
        return report.ExitCode;
    }
}
