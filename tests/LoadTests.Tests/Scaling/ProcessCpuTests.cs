using CallCenter.LoadTests.Scaling;

namespace CallCenter.LoadTests.Tests.Scaling;

/// <summary>CPU time from /proc: the stat line's fields are counted after the command name, which may hold spaces and parentheses.</summary>
public sealed class ProcessCpuTests
{
    [Fact]
    public void A_stat_line_gives_the_parent_and_the_own_and_reaped_ticks()
    {
        const string Line = "4242 (postgres: a (b) c) S 4100 4100 4100 0 -1 4194560 900 0 0 0 250 75 12 8 20 0 1 0 123 456 789";

        var parsed = ProcessCpu.Parse(Line);

        Assert.Equal((4100, 325L, 20L), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (cut short) S 1 2 3")]
    [InlineData("4242 (x) S one 4100 4100 0 -1 0 0 0 0 0 250 75 12 8")]
    public void A_line_it_cannot_read_is_no_sample(string line) => Assert.Null(ProcessCpu.Parse(line));

    [Fact]
    public void This_process_has_used_some_cpu_and_a_process_that_is_not_there_none()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var own = ProcessCpu.Of(Environment.ProcessId);
        Assert.True(own > TimeSpan.Zero);
        // Read after: CPU time only grows, and the tree adds the children's.
        Assert.True(ProcessCpu.TreeOf(Environment.ProcessId) >= own);
        Assert.Null(ProcessCpu.Of(int.MaxValue));
    }
}
