using CallCenter.Silo;
using CallCenter.Silo.Configuration;
using CallCenter.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CallCenter.Tests.Silo;

public sealed class ConfigurationTests
{
    private static IReadOnlyList<string> Validate(params string[] args)
    {
        var builder = Host.CreateApplicationBuilder([]);
        builder.Configuration.AddCommandLine(args, SiloHostExtensions.SwitchMappings);
        return builder.AddCallCenterOptions();
    }

    [Fact]
    public void The_embedded_default_is_valid() => Assert.Empty(Validate());

    [Theory]
    [InlineData("--silo-port", "70000", "CallCenter:Silo:SiloPort")]
    [InlineData("--gateway-port", "0", "CallCenter:Silo:GatewayPort")]
    [InlineData("--storage", "oracle", "CallCenter:Silo:Storage")]
    [InlineData("--calls-per-minute", "-5", "CallCenter:Demo:CallsPerMinute")]
    [InlineData("--calls-per-minute", "many", "CallCenter:Demo:CallsPerMinute")]
    [InlineData("--summary-seconds", "-1", "CallCenter:Summary:IntervalSeconds")]
    [InlineData("--trunk", "sip:5551234@127.0.0.1:5080", "CallCenter:Gateway:Trunk")]
    [InlineData("--trunk", "sip:{number}@carrier.example:5080", "CallCenter:Gateway:Trunk")]
    [InlineData("--CallCenter:Gateway:OutboundRingSeconds", "0", "CallCenter:Gateway:OutboundRingSeconds")]
    [InlineData("--CallCenter:Demo:AgentsPerRegion", "-1", "CallCenter:Demo:AgentsPerRegion")]
    [InlineData("--CallCenter:Silo:Unknown", "1", "Unknown")]
    public void Bad_configuration_is_refused_with_the_key_named(string key, string value, string named)
    {
        var errors = Validate(key, value);
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Equal_silo_and_gateway_ports_are_refused() =>
        Assert.Contains(Validate("--silo-port", "30000", "--gateway-port", "30000"), e => e.Contains("must differ"));

    private static SiloOptions Bind(params string[] args) =>
        new ConfigurationBuilder().AddCommandLine(args, SiloHostExtensions.SwitchMappings).Build()
            .GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();

    [Fact]
    public void One_clock_option_the_epoch_switch_is_its_alias()
    {
        const string instant = "2026-11-23T21:00:00Z";

        var start = Bind("--clock-start", instant);
        var epoch = Bind("--clock-epoch", instant);

        Assert.Equal(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), start.ClockStart);
        Assert.Equal(start.ClockStart, epoch.ClockStart);
        Assert.Null(epoch.ClockStartedAt);
        Assert.Empty(Validate("--clock-speed", "4", "--clock-start", instant));
        Assert.Empty(Validate("--clock-speed", "60", "--clock-start", "2026-03-02T09:00:00Z", "--clock-started-at", instant));
    }

    [Fact]
    public void A_clock_instant_without_its_reading_is_refused() =>
        Assert.Contains(Validate("--clock-started-at", "2026-11-23T21:00:00Z"), e => e.Contains("ClockStartedAt needs ClockStart", StringComparison.Ordinal));

    [Property(MaxTest = 200)]
    public Property Silos_started_apart_with_the_same_clock_start_read_the_same_instant(PositiveInt apartMs, PositiveInt laterMs, PositiveInt speedSeed)
    {
        // A clock start alone is an epoch: the clock read the real time then.
        var epoch = new DateTimeOffset(2026, 11, 23, 21, 0, 0, TimeSpan.Zero);
        var speed = 1 + speedSeed.Get % 600;
        var firstUp = epoch.AddMilliseconds(apartMs.Get % 60_000);
        var secondUp = firstUp.AddMilliseconds(apartMs.Get % 7_000);
        var wall = secondUp.AddMilliseconds(laterMs.Get % 600_000);

        // Each silo reads the clock once at start-up, then runs it at the speed.
        var first = ScaledTimeProvider.ReadingAt(epoch, epoch, speed, firstUp) + (wall - firstUp) * speed;
        var second = ScaledTimeProvider.ReadingAt(epoch, epoch, speed, secondUp) + (wall - secondUp) * speed;
        var expected = epoch + (wall - epoch) * speed;

        return (Math.Abs((first - second).TotalMilliseconds) < 1 && Math.Abs((first - expected).TotalMilliseconds) < 1)
            .Label($"speed {speed}: {first:O} vs {second:O}, expected {expected:O}");
    }

    [Fact]
    public void A_clock_start_at_a_given_instant_reads_the_start_then_and_runs_at_the_speed()
    {
        var start = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var startedAt = new DateTimeOffset(2026, 11, 23, 21, 0, 0, TimeSpan.Zero);

        Assert.Equal(start, ScaledTimeProvider.ReadingAt(start, startedAt, 60, startedAt));
        Assert.Equal(start.AddHours(1), ScaledTimeProvider.ReadingAt(start, startedAt, 60, startedAt.AddMinutes(1)));
    }
}
