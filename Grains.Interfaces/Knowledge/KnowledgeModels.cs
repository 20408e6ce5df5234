using System.Collections.Immutable;

namespace CallCenter.Knowledge;

/// <summary>A knowledge-base article (KB-1), kept by the department that owns its subject.</summary>
[GenerateSerializer, Immutable, Alias("knowledge.article")]
public sealed record KnowledgeArticle
{
    /// <summary>Empty when a new article is saved: the knowledge base assigns one.</summary>
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public required string Title { get; init; }
    [Id(2)] public required string Body { get; init; }
    [Id(3)] public ImmutableArray<string> Tags { get; init; } = [];
    [Id(4)] public required string Department { get; init; }
    [Id(5)] public string? UpdatedBy { get; init; }
    [Id(6)] public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>An article found by a search, with its score (higher ranks first).</summary>
[GenerateSerializer, Immutable, Alias("knowledge.hit")]
public sealed record KnowledgeHit(
    [property: Id(0)] KnowledgeArticle Article,
    [property: Id(1)] int MatchedTerms,
    [property: Id(2)] int Score);

public static class KnowledgeKeys
{
    public const string Base = "knowledge:base";
}

/// <summary>
/// The knowledge base: articles and their search index, one writer. Bad input throws
/// <see cref="ArgumentException"/> with the reason and changes nothing.
/// </summary>
[Alias("knowledge.base")]
public interface IKnowledgeBaseGrain : IGrainWithStringKey
{
    [Alias("get")] Task<KnowledgeArticle?> Get(string articleId);
    /// <summary>Creates (empty id) or replaces an article; returns it as stored.</summary>
    [Alias("save")] Task<KnowledgeArticle> Save(KnowledgeArticle article, string by);
    /// <summary>False when there was no such article.</summary>
    [Alias("delete")] Task<bool> Delete(string articleId, string by);
    /// <summary>Every article, optionally of one department, newest change first.</summary>
    [Alias("list")] Task<ImmutableArray<KnowledgeArticle>> List(string? department);
    /// <summary>Full-text search: case-insensitive words; Chinese (and other unspaced) text matches by substring.</summary>
    [Alias("search")] Task<ImmutableArray<KnowledgeHit>> Search(string query, int max);
}

public static class KnowledgeGrainFactoryExtensions
{
    public static IKnowledgeBaseGrain GetKnowledgeBase(this IGrainFactory factory) =>
        factory.GetGrain<IKnowledgeBaseGrain>(KnowledgeKeys.Base);
}
