using CallCenter.Hosting;
using CallCenter.Knowledge;
using Orleans.TestingHost;

namespace CallCenter.Tests.Knowledge;

/// <summary>The knowledge-base grain: articles saved, found, replaced and deleted; bad input changes nothing.</summary>
public sealed class KnowledgeBaseClusterTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Articles_are_searchable_as_soon_as_saved_and_gone_once_deleted()
    {
        var kb = _cluster.Client.GetKnowledgeBase();
        var refund = await kb.Save(new KnowledgeArticle { Title = "Refund of a double payment", Body = "Refund within 7 days.", Department = "Billing", Tags = ["refund"] }, "department");
        var meter = await kb.Save(new KnowledgeArticle { Title = "水表读数", Body = "抄表周期为每月一次。", Department = "Water" }, "department");
        Assert.NotEqual(refund.Id, meter.Id);
        Assert.Equal("department", refund.UpdatedBy);

        Assert.Equal(refund.Id, (await kb.Search("REFUND", 5))[0].Article.Id);
        Assert.Equal(meter.Id, (await kb.Search("抄表", 5))[0].Article.Id);
        Assert.Single(await kb.List("water"));

        await kb.Save(refund with { Body = "Refunds now take 3 days." }, "admin");
        Assert.Contains("3 days", (await kb.Get(refund.Id))!.Body, StringComparison.Ordinal);

        var before = await kb.List(null);
        await Assert.ThrowsAsync<ArgumentException>(() => kb.Save(refund with { Title = "" }, "admin"));
        await Assert.ThrowsAsync<ArgumentException>(() => kb.Save(refund with { Id = "kb-9999" }, "admin"));
        Assert.Equal(before.Select(a => (a.Id, a.Title, a.Body)), (await kb.List(null)).Select(a => (a.Id, a.Title, a.Body)));

        Assert.True(await kb.Delete(refund.Id, "admin"));
        Assert.False(await kb.Delete(refund.Id, "admin"));
        Assert.Empty(await kb.Search("refund", 5));
    }
}
