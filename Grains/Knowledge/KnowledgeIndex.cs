using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace CallCenter.Knowledge;

/// <summary>
/// Full-text search over the articles. Text is cut into terms: runs of letters and digits,
/// lower-cased; a run of CJK characters (no spaces between words) is kept whole and a CJK query
/// term matches it by substring. An article's score is the query terms' frequency, a title hit
/// counting <see cref="TitleWeight"/> times and a tag hit <see cref="TagWeight"/> times; articles
/// that match more distinct terms rank first, then higher score, then the latest change.
/// </summary>
public sealed class KnowledgeIndex
{
    public const int TitleWeight = 3;
    public const int TagWeight = 2;

    private readonly ImmutableArray<Entry> _entries;

    private sealed record Entry(KnowledgeArticle Article, Field Title, Field Tags, Field Body);

    private sealed record Field(ImmutableDictionary<string, int> Terms, string Text)
    {
        public static Field Of(string text)
        {
            var terms = KnowledgeIndex.Terms(text).GroupBy(t => t, StringComparer.Ordinal).ToImmutableDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            return new Field(terms, text.ToLowerInvariant());
        }

        public int Frequency(string term) =>
            IsUnspaced(term) ? Occurrences(Text, term) : Terms.GetValueOrDefault(term);
    }

    public KnowledgeIndex(IEnumerable<KnowledgeArticle> articles)
    {
        _entries = [.. articles.Select(a => new Entry(a, Field.Of(a.Title), Field.Of(string.Join(' ', a.Tags)), Field.Of(a.Body)))];
    }

    public ImmutableArray<KnowledgeHit> Search(string query, int max)
    {
        var terms = Terms(query ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (terms.Count == 0 || max <= 0)
        {
            return [];
        }
        var hits = new List<KnowledgeHit>();
        foreach (var entry in _entries)
        {
            var (matched, score) = (0, 0);
            foreach (var term in terms)
            {
                var frequency = TitleWeight * entry.Title.Frequency(term) + TagWeight * entry.Tags.Frequency(term) + entry.Body.Frequency(term);
                if (frequency > 0)
                {
                    matched++;
                    score += frequency;
                }
            }
            if (matched > 0)
            {
                hits.Add(new KnowledgeHit(entry.Article, matched, score));
            }
        }
        return [.. hits
            .OrderByDescending(h => h.MatchedTerms)
            .ThenByDescending(h => h.Score)
            .ThenByDescending(h => h.Article.UpdatedAt)
            .ThenBy(h => h.Article.Id, StringComparer.Ordinal)
            .Take(max)];
    }

    /// <summary>The terms of a text in order: lower-cased letter/digit runs; CJK runs stay whole.</summary>
    public static IEnumerable<string> Terms(string text)
    {
        var term = new StringBuilder();
        bool? unspaced = null;
        foreach (var rune in text.EnumerateRunes())
        {
            var letter = Rune.IsLetterOrDigit(rune);
            var cjk = letter && IsUnspaced(rune);
            if (!letter || (unspaced is { } u && u != cjk))
            {
                if (term.Length > 0)
                {
                    yield return term.ToString();
                    term.Clear();
                }
                unspaced = null;
                if (!letter)
                {
                    continue;
                }
            }
            unspaced = cjk;
            term.Append(Rune.ToLowerInvariant(rune).ToString());
        }
        if (term.Length > 0)
        {
            yield return term.ToString();
        }
    }

    private static bool IsUnspaced(string term) => term.EnumerateRunes().Any(IsUnspaced);

    /// <summary>Scripts written without spaces between words: CJK ideographs, kana, Hangul syllables.</summary>
    private static bool IsUnspaced(Rune rune) => rune.Value switch
    {
        >= 0x3040 and <= 0x30FF => true,   // Hiragana, Katakana
        >= 0x3400 and <= 0x4DBF => true,   // CJK extension A
        >= 0x4E00 and <= 0x9FFF => true,   // CJK unified ideographs
        >= 0xAC00 and <= 0xD7AF => true,   // Hangul syllables
        >= 0xF900 and <= 0xFAFF => true,   // CJK compatibility ideographs
        >= 0x20000 and <= 0x3134F => true, // CJK extensions B-G
        _ => false,
    };

    private static int Occurrences(string text, string term)
    {
        var count = 0;
        for (var at = text.IndexOf(term, StringComparison.Ordinal); at >= 0; at = text.IndexOf(term, at + term.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}

/// <summary>What makes an article valid, and its stored form (trimmed, tags lower-case and distinct).</summary>
public static class KnowledgeRules
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 50_000;
    public const int MaxDepartmentLength = 50;
    public const int MaxTags = 20;
    public const int MaxTagLength = 40;

    public static (KnowledgeArticle? Article, string? Error) Normalize(KnowledgeArticle article)
    {
        var title = article.Title?.Trim() ?? "";
        var body = article.Body?.Trim() ?? "";
        var department = article.Department?.Trim() ?? "";
        if (title.Length == 0) return (null, "title is missing");
        if (title.Length > MaxTitleLength) return (null, $"title is longer than {MaxTitleLength} characters");
        if (body.Length == 0) return (null, "body is missing");
        if (body.Length > MaxBodyLength) return (null, $"body is longer than {MaxBodyLength} characters");
        if (department.Length == 0) return (null, "department is missing");
        if (department.Length > MaxDepartmentLength) return (null, $"department is longer than {MaxDepartmentLength} characters");
        var tags = (article.Tags.IsDefault ? [] : article.Tags)
            .Select(t => t?.Trim().ToLower(CultureInfo.InvariantCulture) ?? "")
            .Where(t => t.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToImmutableArray();
        if (tags.Length > MaxTags) return (null, $"more than {MaxTags} tags");
        if (tags.FirstOrDefault(t => t.Length > MaxTagLength || t.Contains(',')) is { } bad) return (null, $"tag '{bad}' is longer than {MaxTagLength} characters or contains a comma");
        return (article with { Title = title, Body = body, Department = department, Tags = tags }, null);
    }
}
