using CallCenter.LoadTests.Results;
using CallCenter.LoadTests.Scenarios;
using CallCenter.LoadTests.Simulation;

namespace CallCenter.LoadTests.Commands;

/// <summary><c>simulate SCENARIO.json --out RESULT.json</c>.</summary>
public static class Simulate
{
    public const int ExitBadScenario = 2;
    public const int ExitViolations = 3;

    public static async Task<int> RunAsync(SimulateCommand command, CancellationToken cancellationToken)
    {
        // Everything is validated before any silo starts.
        ScenarioReadResult read;
        try
        {
            read = ScenarioReader.ReadFile(command.ScenarioPath);
        }
        catch (ScenarioException ex)
        {
            foreach (var error in ex.Errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }
            Console.Error.WriteLine($"{command.ScenarioPath}: {ex.Errors.Count} error(s); nothing was run");
            return ExitBadScenario;
        }
        foreach (var warning in read.Warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }

        // The SIP folder is read before the run, so that a wrong folder costs nothing.
        SipBench? sip = null;
        if (command.SipFolder is { } sipFolder)
        {
            try
            {
                sip = SipBenchReader.Read(sipFolder);
            }
            catch (SipBenchException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return ExitBadScenario;
            }
        }
        var report = await SimulationRunner.RunAsync(read.Scenario, command.Options, Console.Error, cancellationToken);
        if (command.CallsCsvPath is { } csvPath)
        {
            await File.WriteAllLinesAsync(csvPath, report.Calls.Select(c => c.ToCsv()).Prepend(CallSample.CsvHeader), cancellationToken);
        }
        var json = report.Result.ToJson();
        if (command.OutPath is { } outPath)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(outPath));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            await File.WriteAllTextAsync(outPath, json + Environment.NewLine, cancellationToken);
            SummaryWriter.Write(report.Result, Console.Out);
            Console.Out.WriteLine($"result written to {outPath}");
        }
        else
        {
            SummaryWriter.Write(report.Result, Console.Error);
            Console.Out.WriteLine(json);
        }
        if (command.HtmlPath is { } htmlPath)
        {
            await File.WriteAllTextAsync(htmlPath, HtmlReport.Render(report.Result, sip), cancellationToken);
            (command.OutPath is null ? Console.Error : Console.Out).WriteLine($"report written to {htmlPath}");
        }
        return command.Strict && (report.Result.Lost > 0 || report.Result.InvariantViolations > 0) ? ExitViolations : 0;
    }
}
