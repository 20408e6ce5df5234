using System.Collections.Concurrent;
using CallCenter.Agents;
using CallCenter.Hosting;
using Orleans.TestingHost;

namespace CallCenter.Web.Tests.Agents;

/// <summary>Announcements (MSG-1): posted ones reach subscribers; bad ones are refused and leave the board as it was.</summary>
public sealed class AnnouncementBoardTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    private sealed class Observer : IAnnouncementObserver
    {
        public ConcurrentQueue<Announcement> Received { get; } = new();
        public Task Posted(Announcement announcement)
        {
            Received.Enqueue(announcement);
            return Task.CompletedTask;
        }
    }

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IAnnouncementBoardGrain Board => _cluster.Client.GetGrain<IAnnouncementBoardGrain>(IAnnouncementBoardGrain.Key);

    [Fact]
    public async Task A_posted_announcement_reaches_the_subscriber_and_is_kept_newest_first()
    {
        var observer = new Observer();
        await Board.Subscribe(_cluster.Client.CreateObjectReference<IAnnouncementObserver>(observer));
        var first = await Board.Post("Zhang", "Team meeting at 15:00", null);
        var second = await Board.Post("Zhang", "Billing system is slow", "hotline-bj");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (observer.Received.Count < 2 && !timeout.IsCancellationRequested)
            await Task.Delay(20);
        Assert.Equal([first.Id, second.Id], observer.Received.Select(a => a.Id).Order());
        Assert.Equal([second.Id, first.Id], (await Board.Recent()).Select(a => a.Id));
        Assert.True(first.IsFor([]));
        Assert.False(second.IsFor(["hotline-sh"]));
        Assert.True(second.IsFor(["hotline-sh", "hotline-bj"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task Blank_or_overlong_text_is_refused_and_nothing_is_posted(string? text)
    {
        await Board.Post("Zhang", "kept", null);
        await Assert.ThrowsAsync<ArgumentException>(() => Board.Post("Zhang", text!, null));
        await Assert.ThrowsAsync<ArgumentException>(() => Board.Post("Zhang", new string('x', Announcement.MaxLength + 1), null));
        Assert.Equal(["kept"], (await Board.Recent()).Select(a => a.Text));
    }
}
