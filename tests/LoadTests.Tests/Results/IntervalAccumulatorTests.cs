using CallCenter.Calls;
using CallCenter.LoadTests.Results;
using FsCheck;
using FsCheck.Xunit;

namespace CallCenter.LoadTests.Tests.Results;

public sealed class IntervalAccumulatorTests
{
    [Fact]
    public void Counts_calls_by_arrival_interval_and_spreads_busy_time()
    {
        var a = new IntervalAccumulator(100, 300, agents: 2);
        a.Add(new CallFacts(10, CallOutcome.Completed, true, 5, 20, 15, 150)); // busy 15..165: 85 s then 65 s
        a.Add(new CallFacts(50, CallOutcome.Abandoned, false, 30, 20, 0, 0));  // abandoned after the threshold
        a.Add(new CallFacts(120, CallOutcome.Completed, true, 25, 20, 145, 10)); // answered late
        a.Add(new CallFacts(250, CallOutcome.Callback, false, 300, 20, 0, 0));
        var i = a.Intervals();
        Assert.Equal(3, i.Count);
        Assert.Equal((2L, 1L, 1L, 0L), (i[0].Offered, i[0].Answered, i[0].Abandoned, i[0].OtherOutcomes));
        Assert.Equal(0.5, i[0].ServiceLevel, 9);  // 1 within / (1 answered + 1 abandoned after 20 s)
        Assert.Equal(0.0, i[1].ServiceLevel, 9);
        Assert.Equal(1.0, i[2].ServiceLevel, 9);   // nothing counts
        Assert.Equal(85 / 200.0, i[0].Occupancy, 9);
        Assert.Equal(75 / 200.0, i[1].Occupancy, 9);
        Assert.Equal(1L, i[2].OtherOutcomes);
        var waits = a.WaitDistribution();
        Assert.Equal(1L, waits.Single(b => b.FromSeconds == 5).Calls);
        Assert.Equal(1L, waits.Single(b => b.FromSeconds == 20).Calls);
        Assert.Null(waits[^1].ToSeconds);
    }

    [Fact]
    public void Chooses_half_hours_for_a_day_and_whole_minutes_otherwise()
    {
        Assert.Equal(1800, IntervalAccumulator.ChooseInterval(86_400));
        Assert.Equal(120, IntervalAccumulator.ChooseInterval(3_600));
        Assert.Equal(60, IntervalAccumulator.ChooseInterval(100));
    }

    /// <summary>Every call lands in exactly one interval and one outcome; busy time is conserved inside the span; shares stay in [0, 1].</summary>
    [Property(MaxTest = 100)]
    public bool Conserves_calls_and_busy_time(NonEmptyArray<PositiveInt> seeds)
    {
        var a = new IntervalAccumulator(60, 600, agents: 500);
        double busy = 0;
        foreach (var s in seeds.Get)
        {
            var x = s.Get;
            var arrival = x % 600;
            var answered = x % 3 != 0;
            var talk = x % 97;
            var answeredAt = arrival + x % 13;
            busy += answered ? Math.Max(0, Math.Min(600, answeredAt + talk) - answeredAt) : 0;
            a.Add(new CallFacts(arrival, answered ? CallOutcome.Completed : CallOutcome.Abandoned, answered, x % 40, 20, answeredAt, answered ? talk : 0));
        }
        var i = a.Intervals();
        return i.Sum(x => x.Offered) == seeds.Get.Length
            && i.All(x => x.Offered == x.Answered + x.Abandoned + x.OtherOutcomes)
            && i.All(x => x.ServiceLevel is >= 0 and <= 1 && x.Occupancy is >= 0 and <= 1)
            && Math.Abs(i.Sum(x => x.Occupancy * 500 * 60) - busy) < 1e-6
            && a.WaitDistribution().Sum(b => b.Calls) == i.Sum(x => x.Answered);
    }
}
