using CallCenter.LoadTests.Results;

namespace CallCenter.LoadTests.Commands;

/// <summary><c>report --sip DIR [--out REPORT.html]</c>: the SIP stepped-rate results as an HTML report.</summary>
public sealed record ReportCommand(string SipFolder, string OutPath) : Command;

public static class Report
{
    public static async Task<int> RunAsync(ReportCommand command, CancellationToken cancellationToken)
    {
        SipBench sip;
        try
        {
            sip = SipBenchReader.Read(command.SipFolder);
        }
        catch (SipBenchException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        await File.WriteAllTextAsync(command.OutPath, HtmlReport.RenderSip(sip), cancellationToken);
        foreach (var s in sip.Steps)
        {
            Console.Out.WriteLine($"{s.OfferedCps,6} cps offered: {s.Calls} calls, {s.Failed} failed, {s.AchievedCps:0.#} achieved, p99 {s.ResponseMs?.P99.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} ms, peak {s.PeakConcurrent} concurrent");
        }
        Console.Out.WriteLine($"report written to {command.OutPath}");
        return 0;
    }
}
