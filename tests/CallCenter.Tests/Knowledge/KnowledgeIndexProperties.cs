using CallCenter.Knowledge;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Knowledge;

/// <summary>Search: case-insensitive words, Chinese by substring, ranking by term frequency (title and tags weigh more).</summary>
public sealed class KnowledgeIndexProperties
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static KnowledgeArticle Article(string id, string title, string body, params string[] tags) =>
        new() { Id = id, Title = title, Body = body, Department = "billing", Tags = [.. tags], UpdatedAt = At };

    private static readonly Gen<string> Words = Gen.Elements("refund", "invoice", "meter", "water", "bill", "late", "fee", "退款", "发票");

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property An_article_whose_body_repeats_a_term_more_often_ranks_higher() =>
        Prop.ForAll(Words.ToArbitrary(), Gen.Choose(1, 5).ToArbitrary(), Gen.Choose(1, 5).ToArbitrary(), (word, a, b) =>
        {
            var index = new KnowledgeIndex([
                Article("a", "Note A", string.Join(" ", Enumerable.Repeat(word, a)) + " end"),
                Article("b", "Note B", string.Join(" ", Enumerable.Repeat(word, a + b)) + " end"),
            ]);
            var hits = index.Search(word.ToUpperInvariant(), 10);
            Assert.Equal(["b", "a"], hits.Select(h => h.Article.Id));
            Assert.Equal([a + b, a], hits.Select(h => h.Score));
        });

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Every_hit_contains_a_query_term_and_every_article_containing_one_is_found() =>
        Prop.ForAll(Words.ArrayOf().ToArbitrary(), Words.ArrayOf().ToArbitrary(), Words.ToArbitrary(), (bodyA, bodyB, query) =>
        {
            var articles = new[] { Article("a", "A", string.Join(' ', bodyA) + " x"), Article("b", "B", string.Join(' ', bodyB) + " y") };
            var found = new KnowledgeIndex(articles).Search(query, 10).Select(h => h.Article.Id).ToHashSet();
            Assert.Equal(articles.Where(x => x.Body.Contains(query, StringComparison.Ordinal)).Select(x => x.Id).ToHashSet(), found);
        });

    [Fact]
    public void A_title_or_tag_hit_outweighs_a_single_body_hit_and_more_matched_terms_rank_first()
    {
        var index = new KnowledgeIndex([
            Article("body", "Payments", "how to get a refund"),
            Article("title", "Refund rules", "see the policy"),
            Article("tag", "Money back", "see the policy", "refund"),
            Article("both", "Late fee", "a refund of a late fee"),
        ]);
        Assert.Equal(["title", "tag", "body"], index.Search("refund", 10).Where(h => h.Article.Id != "both").Select(h => h.Article.Id));
        Assert.Equal("both", index.Search("refund late", 10)[0].Article.Id);
        Assert.Empty(index.Search("  ,. ", 10));
    }

    [Fact]
    public void Chinese_text_is_found_by_substring()
    {
        var index = new KnowledgeIndex([
            Article("cn", "水费发票", "如何申请退款：登录网上营业厅，选择退款申请。"),
            Article("en", "Invoices", "Water bill invoices are issued monthly."),
        ]);
        var hits = index.Search("退款", 10);
        Assert.Equal("cn", Assert.Single(hits).Article.Id);
        Assert.Equal(2, hits[0].Score);
        Assert.Equal("cn", Assert.Single(index.Search("发票", 10)).Article.Id);
        Assert.Equal(["水费发票", "water", "bill"], KnowledgeIndex.Terms("水费发票 Water-BILL"));
    }

    [Fact]
    public void An_article_without_title_body_or_department_is_refused()
    {
        Assert.Equal("title is missing", KnowledgeRules.Normalize(Article("x", " ", "b")).Error);
        Assert.Equal("body is missing", KnowledgeRules.Normalize(Article("x", "t", "")).Error);
        Assert.Equal("department is missing", KnowledgeRules.Normalize(Article("x", "t", "b") with { Department = "" }).Error);
        Assert.Equal(new[] { "refund", "fee" }, KnowledgeRules.Normalize(Article("x", "t", "b", " Refund ", "refund", "FEE", "")).Article!.Tags.ToArray());
    }
}
