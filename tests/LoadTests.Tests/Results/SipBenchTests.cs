using CallCenter.LoadTests.Commands;
using CallCenter.LoadTests.Results;

namespace CallCenter.LoadTests.Tests.Results;

/// <summary>
/// The SIP section of the report, read from real SIPp output: Fixtures/sip-bench is the folder of
/// <c>loadtests/sip/gateway-bench.sh --agents 12 --rates "2 4 8" --step 4 --call-ms 1000</c> (its
/// summary.csv and each step's stat.csv; SIPp's own logs left out).
/// </summary>
public sealed class SipBenchTests
{
    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Results", "Fixtures", "sip-bench");

    [Fact]
    public void Reads_every_step_from_the_SIPp_statistics()
    {
        var sip = SipBenchReader.Read(Fixture);

        Assert.Equal([2, 4, 8], sip.Steps.Select(s => s.OfferedCps));
        Assert.Equal([8L, 16, 32], sip.Steps.Select(s => s.Calls));
        Assert.Equal([8L, 16, 32], sip.Steps.Select(s => s.Successful));
        Assert.All(sip.Steps, s => Assert.Equal(0, s.Failed));
        Assert.Equal([2.0, 4, 8], sip.Steps.Select(s => s.AchievedCps));
        Assert.Equal([3L, 5, 9], sip.Steps.Select(s => s.PeakConcurrent));
        Assert.Equal(8, sip.HighestZeroFailureCps);
        // CPU and memory come from bench.sh's summary.
        Assert.Equal(31.3, sip.Steps[0].TargetCpuPercent);
        Assert.Equal(170.0, sip.Steps[2].TargetPeakRssMib);
    }

    [Fact]
    public void Short_steps_take_their_response_times_from_the_statistics_buckets()
    {
        // rate-4: 11 answers under 10 ms, 4 under 20, 1 under 50; the 95th percentile of 16 is the 16th.
        var step = SipBenchReader.Read(Fixture).Steps[1];

        Assert.Equal(new SipResponseTimes(10, 50, 50, 50, 16, "buckets"), step.ResponseMs);
    }

    [Fact]
    public void Response_time_files_give_nearest_rank_percentiles()
    {
        var folder = Directory.CreateTempSubdirectory("sip-rtt-").FullName;
        try
        {
            var rtt = Path.Combine(folder, "uac-basic_1_rtt.csv");
            File.WriteAllLines(rtt, ["Date_ms;response_time_ms;rtd_no", .. Enumerable.Range(1, 100).Select(i => $"1000;{i};rtd1")]);

            Assert.Equal(new SipResponseTimes(50, 95, 99, 100, 100, "rtt"), SipBenchReader.ResponseTimes([rtt]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_report_has_a_SIP_section_with_a_row_and_a_chart_per_run()
    {
        var sip = SipBenchReader.Read(Fixture);

        var alone = HtmlReport.RenderSip(sip);
        var withRun = HtmlReport.Render(ReportTests.Sample(), sip);

        foreach (var html in new[] { alone, withRun })
        {
            Assert.Contains("SIP stepped-rate benchmark", html, StringComparison.Ordinal);
            Assert.Contains("<tr><td>8</td><td>32</td><td>32</td><td class=\"ok\">0</td><td>8</td><td>10 / 20 / 20 / 20</td>", html, StringComparison.Ordinal);
            Assert.Contains("achieved calls/s", html, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("SIP stepped-rate", HtmlReport.Render(ReportTests.Sample()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_steps_is_a_clear_error()
    {
        var folder = Directory.CreateTempSubdirectory("sip-empty-").FullName;
        try
        {
            var ex = Assert.Throws<SipBenchException>(() => SipBenchReader.Read(folder));

            Assert.Contains("no step folders", ex.Message, StringComparison.Ordinal);
            Assert.Contains("no such folder", Assert.Throws<SipBenchException>(() => SipBenchReader.Read(Path.Combine(folder, "missing"))).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Report_and_simulate_take_the_sip_folder()
    {
        var report = Assert.IsType<ReportCommand>(CommandLine.Parse(["report", "--sip", "bench/run1"]));
        var simulate = Assert.IsType<SimulateCommand>(CommandLine.Parse(["simulate", "s.json", "--out", "r.json", "--sip", "bench/run1"]));

        Assert.Equal(("bench/run1", Path.Combine("bench/run1", "report.html")), (report.SipFolder, report.OutPath));
        Assert.Equal("bench/run1", simulate.SipFolder);
        Assert.StartsWith("--sip adds a section", Assert.Throws<UsageException>(() => CommandLine.Parse(["simulate", "s.json", "--sip", "x"])).Message, StringComparison.Ordinal);
        Assert.StartsWith("report needs --sip", Assert.Throws<UsageException>(() => CommandLine.Parse(["report"])).Message, StringComparison.Ordinal);
    }
}
