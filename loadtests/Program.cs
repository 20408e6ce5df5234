using CallCenter.LoadTests.Commands;

// The load testers' call-center simulator: `simulate SCENARIO.json --out RESULT.json`, `bench`, `staffing`, `failover`, `scale`, `wallboard`.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

Command command;
try
{
    command = CommandLine.Parse(args);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

try
{
    return command switch
    {
        SimulateCommand simulate => await Simulate.RunAsync(simulate, cancellation.Token),
        BenchCommand bench => await Benchmark.RunAsync(bench, cancellation.Token),
        StaffingCommand staffing => Staffing.Run(staffing, Console.Out),
        FailoverCommand failover => await Failover.RunAsync(failover, cancellation.Token),
        TicketsCommand tickets => await Tickets.RunAsync(tickets, cancellation.Token),
        ScaleCommand scale => await Scale.RunAsync(scale, cancellation.Token),
        ReportCommand report => await Report.RunAsync(report, cancellation.Token),
        WallboardCommand wallboard => await WallboardBenchmark.RunAsync(wallboard, cancellation.Token),
        _ => Help(),
    };
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    Console.Error.WriteLine($"failed: {ex}");
    return 1;
}

static int Help()
{
    Console.Out.WriteLine(CommandLine.Usage);
    return 0;
}
