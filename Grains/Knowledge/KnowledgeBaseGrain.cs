using System.Collections.Immutable;
using CallCenter.Hosting;
using CallCenter.Time;
using Microsoft.Extensions.Logging;

namespace CallCenter.Knowledge;

[GenerateSerializer, Alias("knowledge.base-state")]
public sealed class KnowledgeBaseState
{
    [Id(0)] public List<KnowledgeArticle> Articles { get; set; } = [];
    [Id(1)] public long NextNumber { get; set; } = 1;
}

/// <summary>The knowledge base (key "knowledge:base"): articles in its state, the search index rebuilt on change.</summary>
public sealed class KnowledgeBaseGrain(
    [PersistentState("knowledge-base", CallCenterSiloExtensions.StorageName)] IPersistentState<KnowledgeBaseState> state,
    CallCenterClock clock,
    ILogger<KnowledgeBaseGrain> logger) : Grain, IKnowledgeBaseGrain
{
    public const string IdPrefix = "kb-";
    private KnowledgeIndex _index = new([]);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _index = new KnowledgeIndex(state.State.Articles);
        return Task.CompletedTask;
    }

    public Task<KnowledgeArticle?> Get(string articleId) =>
        Task.FromResult(state.State.Articles.FirstOrDefault(a => a.Id == articleId));

    public async Task<KnowledgeArticle> Save(KnowledgeArticle article, string by)
    {
        ArgumentNullException.ThrowIfNull(article);
        var (normal, error) = KnowledgeRules.Normalize(article);
        if (normal is null)
        {
            throw new ArgumentException($"Article not saved: {error}.", nameof(article));
        }
        var articles = state.State.Articles;
        var next = state.State.NextNumber;
        var id = normal.Id.Trim();
        if (id.Length == 0)
        {
            do
            {
                id = $"{IdPrefix}{next++:0000}";
            }
            while (articles.Any(a => a.Id == id));
        }
        else if (!articles.Any(a => a.Id == id))
        {
            throw new ArgumentException($"Article not saved: there is no article {id} (leave the id empty to create one).", nameof(article));
        }
        var saved = normal with { Id = id, UpdatedBy = by, UpdatedAt = clock.Now };
        await Commit([.. articles.Where(a => a.Id != id).Append(saved)], next);
        logger.LogInformation("Knowledge article {ArticleId} saved by {User} ({Department})", id, by, saved.Department);
        return saved;
    }

    public async Task<bool> Delete(string articleId, string by)
    {
        if (!state.State.Articles.Any(a => a.Id == articleId))
        {
            return false;
        }
        await Commit([.. state.State.Articles.Where(a => a.Id != articleId)], state.State.NextNumber);
        logger.LogInformation("Knowledge article {ArticleId} deleted by {User}", articleId, by);
        return true;
    }

    public Task<ImmutableArray<KnowledgeArticle>> List(string? department) =>
        Task.FromResult(state.State.Articles
            .Where(a => string.IsNullOrWhiteSpace(department) || string.Equals(a.Department, department.Trim(), StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(a => a.UpdatedAt)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .ToImmutableArray());

    public Task<ImmutableArray<KnowledgeHit>> Search(string query, int max) =>
        Task.FromResult(_index.Search(query, Math.Clamp(max, 0, 100)));

    private async Task Commit(List<KnowledgeArticle> articles, long nextNumber)
    {
        var before = (state.State.Articles, state.State.NextNumber);
        (state.State.Articles, state.State.NextNumber) = (articles, nextNumber);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored means not changed.
            (state.State.Articles, state.State.NextNumber) = before;
            throw;
        }
        _index = new KnowledgeIndex(articles);
    }
}
