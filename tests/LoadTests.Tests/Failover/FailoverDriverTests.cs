using CallCenter.Calls;
using CallCenter.LoadTests.Failover;
using CallCenter.LoadTests.Hosting;
using CallCenter.LoadTests.Tests.Simulation;
using CallCenter.Time;
using Xunit.Abstractions;

namespace CallCenter.LoadTests.Tests.Failover;

/// <summary>The failover driver against an undisturbed in-process silo: its books must balance with nothing lost.</summary>
[Trait("Category", "Failover")]
[Collection(SimulatorCollection.Name)]
public sealed class FailoverDriverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Without_a_failure_every_call_ends_once_and_every_agent_agrees_with_its_phone()
    {
        var sink = new RecordingSink();
        await using var silo = await SimulationHost.StartInProcessAsync(new ScaledTimeProvider(DateTimeOffset.UtcNow, 1));
        silo.Sink!.Attach(sink.Add);
        var options = FailoverOptions.Parse([], new Dictionary<string, string?>
        {
            ["silos"] = "1",
            ["kill-after"] = "none",
            ["rate"] = "25",
            ["seconds"] = "8",
            ["talk-seconds"] = "1.5",
            ["patience-seconds"] = "20",
        });
        var directory = Directory.CreateTempSubdirectory("failover-driver-test-").FullName;
        using var errors = new ErrorLog(Path.Combine(directory, "errors.log"), System.Diagnostics.Stopwatch.GetTimestamp());
        await using var driver = new FailoverDriver(silo.Grains, options, errors, "t1");
        await driver.SeedAsync(new TestOutputWriter(output), CancellationToken.None);

        driver.Start();
        driver.StartMonitor();
        await driver.RunArrivalsAsync(CancellationToken.None);
        var drained = await driver.WaitForDrainAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        // Every phone has had a heartbeat since the monitor started.
        await Task.Delay(FailoverDriver.Cycle * 2);
        await driver.StopAsync();
        await Task.Delay(500);

        var books = Reconciliation.Reconcile(driver.Observations(), sink.Rows);
        var counters = driver.Counters();
        output.WriteLine(System.Text.Json.JsonSerializer.Serialize(counters, FailoverResult.JsonOptions));
        output.WriteLine(string.Join(", ", errors.Counts.Select(e => $"{e.Key}={e.Value}")));
        Assert.True(drained, $"{driver.Live} calls still live");
        Assert.True(books.Offered > 100, $"offered {books.Offered}");
        Assert.True(books.Lost == 0 && books.Duplicated == 0, string.Join("\n", books.Problems));
        Assert.Equal(books.Offered, books.CdrRows);
        Assert.True(counters.Answered > books.Offered / 2, $"answered {counters.Answered} of {books.Offered}");
        Assert.True(counters.AgentHangups > 0 && counters.CallerHangups > 0, "both sides hang up");
        Assert.Equal(0, errors.Total);
        Assert.Equal(0, counters.Inconsistencies);
        Assert.True(driver.SampleAgents().AllConsistent, driver.SampleAgents().ToString());
        Directory.Delete(directory, recursive: true);
    }

    private sealed class RecordingSink
    {
        private readonly List<CdrRow> _rows = [];

        public IReadOnlyList<CdrRow> Rows
        {
            get
            {
                lock (_rows)
                {
                    return [.. _rows];
                }
            }
        }

        public void Add(CallDetailRecord record)
        {
            lock (_rows)
            {
                _rows.Add(new CdrRow(record.CallId, record.Outcome.ToString()));
            }
        }
    }
}
