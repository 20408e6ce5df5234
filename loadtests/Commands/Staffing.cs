using System.Globalization;
using CallCenter.LoadTests.Theory;

namespace CallCenter.LoadTests.Commands;

/// <summary>
/// <c>staffing --rate R --aht S --target 0.8 --seconds 20 [--patience P]</c>: how many agents
/// answer <c>target</c> of the calls within <c>seconds</c> at R calls per second with a mean
/// handle time of S seconds; Erlang C (nobody abandons), and Erlang A beside it when callers
/// have an exponential patience of mean P seconds.
/// </summary>
public sealed record StaffingCommand(double RatePerSecond, double HandleSeconds, double Target, double ThresholdSeconds, double? PatienceSeconds) : Command;

public static class Staffing
{
    public static int Run(StaffingCommand command, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var load = command.RatePerSecond * command.HandleSeconds;
        output.WriteLine(string.Create(c,
            $"load: {command.RatePerSecond:0.####} calls/s x {command.HandleSeconds:0.##} s = {load:0.##} Erlangs; target {command.Target:0.###} answered within {command.ThresholdSeconds:0.##} s"));
        var n = ErlangC.AgentsForServiceLevel(command.RatePerSecond, command.HandleSeconds, command.ThresholdSeconds, command.Target);
        var model = new ErlangC(n, load, command.HandleSeconds);
        output.WriteLine(string.Create(c,
            $"Erlang C: {n} agents (service level {model.ServiceLevel(command.ThresholdSeconds):0.000}, ASA {model.AverageSpeedOfAnswerSeconds:0.0} s, P(wait) {model.ProbabilityOfWaiting:0.000}, occupancy {model.Occupancy:0.000})"));
        if (command.PatienceSeconds is { } patience)
        {
            var nA = ErlangA.AgentsForServiceLevel(command.RatePerSecond, command.HandleSeconds, patience, command.ThresholdSeconds, command.Target);
            var a = new ErlangA(nA, command.RatePerSecond, command.HandleSeconds, patience);
            output.WriteLine(string.Create(c,
                $"Erlang A (patience {patience:0.##} s): {nA} agents (service level {a.ServiceLevel(command.ThresholdSeconds):0.000}, abandoned {a.AbandonProbability:0.0000}, ASA {a.AverageSpeedOfAnswerSeconds:0.0} s, occupancy {a.Occupancy:0.000})"));
            var atC = new ErlangA(n, command.RatePerSecond, command.HandleSeconds, patience);
            output.WriteLine(string.Create(c,
                $"  with Erlang C's {n} agents callers would abandon {atC.AbandonProbability:0.0000} and the service level be {atC.ServiceLevel(command.ThresholdSeconds):0.000}"));
        }
        return 0;
    }
}
