using CallCenter.Hosting;
using CallCenter.Tickets;
using CallCenter.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using static CallCenter.Tests.Tickets.TicketTestOrganization;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// The embedded default's ticket archive: tickets index themselves in grains, so the search finds
/// closed tickets as well as open ones by every field, and the ranking reads the same index.
/// </summary>
public sealed class TicketArchiveClusterTests
{
    [Fact]
    public async Task The_memory_archive_finds_open_and_closed_tickets_by_every_field_and_ranks_the_units()
    {
        var time = new FakeTimeProvider(Monday);
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new CallCenterClock(time));
            silo.AddCallCenter();
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var grains = cluster.Client;
        await grains.GetTicketOrganization().Configure(Departments, []);

        // "pipe": a complaint handled by water-north and closed; "light": a consultation still at roads on Tuesday.
        var pipe = grains.GetTicket("pipe");
        await pipe.Create(Draft() with { Customer = "Li Wei", Title = "Burst pipe" });
        await pipe.Act(Actor("center"), new Dispatch("water"));
        await pipe.Act(Actor("water"), new Dispatch("water-north"));
        time.Advance(TimeSpan.FromMinutes(30));
        await pipe.Act(Actor("water-north"), new SendReply(new TicketReply("Pipe welded", 50m, "North office")));
        await pipe.Act(Actor("water"), new SendReply(new TicketReply("Pipe welded", 50m, "North office")));
        await pipe.Act(Actor("center"), new CloseTicket("phone", "welded"));
        time.Advance(TimeSpan.FromDays(1));
        var light = grains.GetTicket("light");
        await light.Create(Draft(TicketCategory.Consultation) with { Customer = "Wang Fang", Title = "Street light out" });
        await light.Act(Actor("center"), new Dispatch("roads"));

        var archive = grains.GetTicketArchive();
        async Task<string[]> Ids(TicketSearchQuery query) => [.. (await archive.Search(query)).Select(h => h.TicketId)];

        Assert.Equal(["light", "pipe"], await Ids(new TicketSearchQuery()));
        Assert.Equal(["pipe"], await Ids(new TicketSearchQuery { TicketId = "PIP" }));
        Assert.Equal(["light"], await Ids(new TicketSearchQuery { Customer = "wang" }));
        Assert.Equal(["pipe"], await Ids(new TicketSearchQuery { Category = TicketCategory.Complaint }));
        Assert.Equal(["pipe"], await Ids(new TicketSearchQuery { DepartmentId = "water-north" }));
        Assert.Equal(["light"], await Ids(new TicketSearchQuery { DepartmentId = "roads" }));
        Assert.Equal(["pipe"], await Ids(new TicketSearchQuery { Status = TicketStatus.Closed }));
        Assert.Equal(["pipe"], await Ids(new TicketSearchQuery { Text = "welded" }));
        Assert.Equal(["light"], await Ids(new TicketSearchQuery { CreatedFrom = Monday.AddHours(12) }));
        Assert.Equal(["pipe"], await Ids(new TicketSearchQuery { CreatedFrom = Monday, CreatedTo = Monday.AddHours(12) }));
        Assert.Empty(await Ids(new TicketSearchQuery { Customer = "Li Wei", Status = TicketStatus.Open }));
        Assert.Equal(["light"], await Ids(new TicketSearchQuery { Limit = 1 }));

        var hit = Assert.Single(await archive.Search(new TicketSearchQuery { TicketId = "pipe" }));
        Assert.Equal(("Burst pipe", "Li Wei", "center", Monday), (hit.Title, hit.Customer, hit.Holder, hit.CreatedAt));
        Assert.Equal("roads", Assert.Single(await archive.Search(new TicketSearchQuery { TicketId = "light" })).Holder);

        await Assert.ThrowsAsync<ArgumentException>(() => archive.Search(new TicketSearchQuery { CreatedFrom = Monday, CreatedTo = Monday }));
        await Assert.ThrowsAsync<ArgumentException>(() => archive.Search(new TicketSearchQuery { Limit = 0 }));

        var ranking = await archive.Ranking(Monday.AddDays(-1), Monday.AddDays(7));
        Assert.Equal(["water", "water-north"], ranking.Select(r => r.DepartmentId).Order());
        Assert.All(ranking, r => Assert.Equal((1, 1, 1), (r.Rank, r.Completed, r.OnTime)));
        Assert.Equal(TimeSpan.FromMinutes(30), ranking.Single(r => r.DepartmentId == "water-north").AverageBusinessHandling);
        Assert.Empty(await archive.Ranking(Monday.AddDays(2), Monday.AddDays(3)));
    }
}
