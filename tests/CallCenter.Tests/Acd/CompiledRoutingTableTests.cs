using System.Collections.Immutable;
using CallCenter.Acd;

namespace CallCenter.Tests.Acd;

public sealed class CompiledRoutingTableTests
{
    private static readonly RoutingTable Table = new(
        [new RegionPrefix("0731", "hn"), new RegionPrefix("073", "hn-other"), new RegionPrefix("010", "bj"), new RegionPrefix("1390731", "hn")],
        [new ServiceRoute("1000", "hn", "hotline-hn"), new ServiceRoute("1000", null, "hotline-common")],
        ImmutableDictionary<string, string>.Empty.Add("VIP-42", "bj"));

    [Theory]
    [InlineData("073112345678", null, "hn")]
    [InlineData("073212345678", null, "hn-other")]
    [InlineData("01012345678", null, "bj")]
    [InlineData("13907311234", null, "hn")]
    [InlineData("02112345678", null, null)]
    [InlineData("073112345678", "VIP-42", "bj")]
    public void The_home_region_comes_from_the_account_else_the_longest_prefix(string caller, string? account, string? region) =>
        Assert.Equal(region, new CompiledRoutingTable(Table).RegionOf(caller, account));

    [Theory]
    [InlineData("1000", "hn", "hotline-hn")]
    [InlineData("1000", "bj", "hotline-common")]
    [InlineData("1000", null, "hotline-common")]
    [InlineData("billing", "hn", "billing")]
    public void The_queue_is_the_regional_route_else_the_default_else_the_service(string service, string? region, string queue) =>
        Assert.Equal(queue, new CompiledRoutingTable(Table).QueueFor(service, region));

    [Fact]
    public void A_bad_table_is_refused_with_every_problem_named()
    {
        var bad = new RoutingTable(
            [new RegionPrefix("07a1", "hn"), new RegionPrefix("010", ""), new RegionPrefix("021", "sh"), new RegionPrefix("021", "js")],
            [new ServiceRoute("1000", "hn", "q"), new ServiceRoute("1000", "hn", "q2"), new ServiceRoute("", null, "")],
            ImmutableDictionary<string, string>.Empty);
        var error = Assert.Throws<InvalidRoutingTableException>(() => new CompiledRoutingTable(bad));
        Assert.Contains(error.Errors, e => e.StartsWith("prefixes[0].prefix", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("prefixes[1].region", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("prefixes[3].prefix", StringComparison.Ordinal) && e.Contains("'sh'"));
        Assert.Contains(error.Errors, e => e.StartsWith("routes[1]", StringComparison.Ordinal) && e.Contains("twice"));
        Assert.Contains(error.Errors, e => e.StartsWith("routes[2].service", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("routes[2].queue", StringComparison.Ordinal));
    }
}
