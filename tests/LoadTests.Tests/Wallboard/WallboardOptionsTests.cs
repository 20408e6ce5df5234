using CallCenter.LoadTests.Commands;
using CallCenter.LoadTests.Wallboard;

namespace CallCenter.LoadTests.Tests.Wallboard;

public sealed class WallboardOptionsTests
{
    [Fact]
    public void The_defaults_are_the_issues_figures()
    {
        var command = Assert.IsType<WallboardCommand>(CommandLine.Parse(["wallboard"]));
        Assert.Equal(50, command.Options.Circuits);
        Assert.Equal(1000, command.Options.Rate);
        Assert.Equal(120, command.Options.Seconds);
        Assert.Null(command.Options.OutPath);
    }

    [Fact]
    public void Options_are_read()
    {
        var command = Assert.IsType<WallboardCommand>(CommandLine.Parse(["wallboard", "--circuits", "3", "--rate", "20", "--seconds", "30", "--out", "w.json", "--probe-gap-seconds", "4"]));
        Assert.Equal((3, 20.0, 30.0, "w.json", 4.0), (command.Options.Circuits, command.Options.Rate, command.Options.Seconds, command.Options.OutPath, command.Options.ProbeGapSeconds));
    }

    [Theory]
    [InlineData("--circuits: expected a whole number", "--circuits", "2.5")]
    [InlineData("--circuits: must be between 1 and 200", "--circuits", "0")]
    [InlineData("--rate: expected a number", "--rate", "fast")]
    [InlineData("unknown option --pages", "--pages", "3")]
    [InlineData("leaves no time for probes", "--seconds", "12")]
    public void Bad_options_are_refused_with_the_reason(string message, string name, string value)
    {
        var ex = Assert.Throws<UsageException>(() => CommandLine.Parse(["wallboard", name, value]));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
