using System.Runtime.InteropServices;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Scaling;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Commands;

public sealed record ScaleCommand(ScaleOptions Options) : Command;

/// <summary>
/// <c>scale --scenario FILE --silos "1 3" [--calls N] [--out SCALE.json]</c>: exit 0 when no size
/// lost a call or broke an invariant, 3 otherwise, 1 when a cluster could not be set up, 2 for bad
/// arguments or a bad scenario (nothing started).
/// </summary>
public static class Scale
{
    public static async Task<int> RunAsync(ScaleCommand command, CancellationToken cancellationToken)
    {
        var options = command.Options;
        ScenarioReadResult read;
        try
        {
            read = ScenarioReader.ReadFile(options.ScenarioPath);
        }
        catch (ScenarioException ex)
        {
            foreach (var error in ex.Errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }
            return Simulate.ExitBadScenario;
        }
        foreach (var warning in read.Warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // SIGTERM too stops the silos and PostgreSQL before the process goes.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancellation.Cancel();
        });
        ScaleResult result;
        try
        {
            result = await ScaleRun.RunAsync(read.Scenario, options, Console.Error, cancellation.Token);
        }
        catch (FailoverSetupException ex)
        {
            Console.Error.WriteLine($"scale: {ex.Message}");
            return 1;
        }
        catch (ScenarioException ex)
        {
            Console.Error.WriteLine($"scale: {string.Join("; ", ex.Errors)}");
            return Simulate.ExitBadScenario;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("scale: cancelled (silos and PostgreSQL stopped)");
            return 1;
        }
        result.WriteSummary(Console.Out);
        if (options.OutPath is { } outPath)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            await File.WriteAllTextAsync(outPath, result.ToJson() + Environment.NewLine, CancellationToken.None);
            Console.Out.WriteLine($"result written to {outPath}");
        }
        return result.Steps.All(s => s.Lost == 0 && s.InvariantViolations == 0) ? 0 : Simulate.ExitViolations;
    }
}
