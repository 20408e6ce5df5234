using CallCenter.LoadTests.Tests.Failover;
using CallCenter.LoadTests.Tests.Simulation;
using CallCenter.LoadTests.Tickets;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Tickets;

/// <summary>
/// The ticket restart benchmark in small: 200 tickets on two silo processes and a private
/// PostgreSQL, the whole cluster stopped and started again when half the deadlines have passed.
/// Lateness is only reported here (the machine may be loaded); exactly-once is asserted.
/// </summary>
[Trait("Category", "Failover")]
[Collection(SimulatorCollection.Name)]
public sealed class TicketBenchRunTests(ITestOutputHelper output)
{
    [FailoverFact]
    public async Task Every_ticket_past_its_deadline_escalates_exactly_once_across_a_cluster_restart()
    {
        var options = TicketBenchOptions.Parse([], new Dictionary<string, string?>
        {
            ["tickets"] = "200",
            ["spread-minutes"] = "30",
            ["speed"] = "60",
            ["reminder-period"] = "5",
            ["create-rate"] = "5",
            ["restart-at"] = "0.5",
            ["max-wall-lateness"] = "none",
        }, []);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));

        var report = await TicketBenchRun.RunAsync(options, new TestOutputWriter(output), timeout.Token);

        var result = report.Result;
        output.WriteLine(result.ToJson());
        Assert.NotNull(result.Restart);
        Assert.Equal(200, result.State.PastDeadline);
        Assert.True(result.State.ExactlyOnce, string.Join(", ", result.State.Examples));
        Assert.True(result.History.ExactlyOnce, string.Join(", ", result.History.Examples));
        Assert.Equal(200, result.Lateness.Count);
        Assert.Equal(0, result.WarningsDuplicated);
        Assert.Equal(0, report.ExitCode);
    }
}
