using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>A menu file that cannot be used; <see cref="Exception.Message"/> starts with the JSON path of the problem.</summary>
public sealed class IvrMenuException(string path, string problem, string sourceName)
    : Exception($"{path}: {problem}")
{
    /// <summary>JSON path of the offending element, e.g. <c>$.nodes.main.options[2].goto</c>.</summary>
    public string JsonPath { get; } = path;
    public string Problem { get; } = problem;
    public string SourceName { get; } = sourceName;
}

/// <summary>
/// Reads one menu file (IVR-1: menus as data). Every reference is checked before a menu is accepted, so a
/// running session never meets an unknown node or a prompt without text; the first problem found is thrown
/// as an <see cref="IvrMenuException"/> naming its JSON path. Nodes no path reaches are reported as warnings.
/// </summary>
public static class IvrMenuParser
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private const int DefaultRetries = 2;
    private static readonly TimeSpan DefaultMaxSilence = TimeSpan.FromSeconds(60);
    private const string Dtmf = "0123456789*#ABCD";

    public static IvrMenu Parse(string json, string sourceName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new IvrMenuException(e.Path ?? "$", $"not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}): {e.Message}", sourceName);
        }
        using (document)
            return new Reader(sourceName).Menu(document.RootElement);
    }

    private sealed class Reader(string sourceName)
    {
        private readonly List<(string Path, string Node)> _nodeRefs = [];
        private readonly List<(string Path, string Prompt)> _promptRefs = [];
        private readonly List<(string Path, string Language)> _languageRefs = [];

        private IvrMenuException Error(string path, string problem) => new(path, problem, sourceName);

        public IvrMenu Menu(JsonElement root)
        {
            const string p = "$";
            ExpectObject(root, p);
            var id = RequiredString(root, "id", p);
            var service = RequiredString(root, "service", p);
            var defaultLanguage = RequiredString(root, "defaultLanguage", p);
            var languages = OptionalStrings(root, "languages", p) ?? [defaultLanguage];
            if (!languages.Contains(defaultLanguage))
                throw Error($"{p}.languages", $"the default language '{defaultLanguage}' is not in the list");

            string agentService = service;
            char? agentKey = '0';
            if (Optional(root, "agent", p) is { } agent)
            {
                ExpectObject(agent, $"{p}.agent");
                agentService = OptionalString(agent, "service", $"{p}.agent") ?? service;
                agentKey = agent.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.Null
                    ? null
                    : OptionalDigit(agent, "key", $"{p}.agent") ?? '0';
            }
            var maxSilence = OptionalSeconds(root, "maxSilenceSeconds", p) ?? DefaultMaxSilence;
            var vipPriority = OptionalInt(root, "vipPriority", p, 0, 1000) ?? 0;
            var prompts = Prompts(root, p, defaultLanguage, languages);
            var goodbye = OptionalPromptItems(root, "goodbye", p);
            var calendar = Optional(root, "businessHours", p) is { } hours ? Calendar(hours, $"{p}.businessHours") : null;
            var survey = Optional(root, "survey", p) is { } s ? Survey(s, $"{p}.survey") : null;

            var nodes = ImmutableDictionary.CreateBuilder<string, IvrNode>(StringComparer.Ordinal);
            string? start = null;
            if (survey is null || root.TryGetProperty("nodes", out _))
            {
                start = RequiredString(root, "start", p);
                var nodesElement = Required(root, "nodes", p);
                ExpectObject(nodesElement, $"{p}.nodes");
                foreach (var property in nodesElement.EnumerateObject())
                {
                    var path = $"{p}.nodes.{property.Name}";
                    if (nodes.ContainsKey(property.Name))
                        throw Error(path, $"duplicate node '{property.Name}'");
                    nodes[property.Name] = Node(property.Name, property.Value, path, calendar is not null);
                }
                if (nodes.Count == 0)
                    throw Error($"{p}.nodes", "a menu needs at least one node");
                _nodeRefs.Insert(0, ($"{p}.start", start));
            }

            foreach (var (path, node) in _nodeRefs)
                if (!nodes.ContainsKey(node))
                    throw Error(path, $"unknown node '{node}'");
            foreach (var (path, prompt) in _promptRefs)
                if (!prompts.ContainsKey(prompt) && !NumberReadout.IsNumberPrompt(prompt))
                    throw Error(path, $"unknown prompt '{prompt}'");
            foreach (var (path, language) in _languageRefs)
                if (!languages.Contains(language))
                    throw Error(path, $"language '{language}' is not one of the menu's languages ({string.Join(", ", languages)})");

            var built = nodes.ToImmutable();
            return new IvrMenu(id, service, defaultLanguage, languages, start ?? "", agentService, agentKey, maxSilence, vipPriority,
                calendar, goodbye, prompts, built, survey, start is null ? [] : Unreachable(built, start), sourceName);
        }

        private static ImmutableArray<string> Unreachable(ImmutableDictionary<string, IvrNode> nodes, string start)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { start };
            var pending = new Stack<string>([start]);
            while (pending.TryPop(out var id))
                foreach (var next in Successors(nodes[id]))
                    if (seen.Add(next))
                        pending.Push(next);
            return [.. nodes.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal)
                .Select(k => $"$.nodes.{k}: node '{k}' cannot be reached from the start node '{start}'")];
        }

        /// <summary>The nodes a node can lead to (used for reachability).</summary>
        internal static IEnumerable<string> Successors(IvrNode node) => node switch
        {
            MenuNode m => m.Options.Select(o => o.Goto).Concat(Exhausted(m.Input)),
            CollectNode c => Exhausted(c.Input).Append(c.Next),
            LookupNode l => l.Branches.Select(b => b.Goto).Append(l.Next).Append(l.Failed),
            BusinessHoursNode h => [h.Open, h.Closed],
            PlayNode n => [n.Next],
            _ => [],
        };

        private static IEnumerable<string> Exhausted(InputPolicy input) => input.ExhaustedNext is { } e ? [e] : [];

        private IvrNode Node(string id, JsonElement e, string p, bool hasCalendar)
        {
            ExpectObject(e, p);
            var type = RequiredString(e, "type", p);
            switch (type)
            {
                case "menu":
                {
                    var options = ImmutableArray.CreateBuilder<MenuOption>();
                    var optionsElement = Required(e, "options", p);
                    ExpectArray(optionsElement, $"{p}.options");
                    var i = 0;
                    foreach (var o in optionsElement.EnumerateArray())
                    {
                        var op = $"{p}.options[{i++}]";
                        ExpectObject(o, op);
                        var digit = OptionalDigit(o, "digit", op) ?? throw Error($"{op}.digit", "missing");
                        if (options.Any(x => x.Digit == digit))
                            throw Error($"{op}.digit", $"key '{digit}' is already used by another option");
                        var language = OptionalString(o, "language", op);
                        if (language is not null)
                            _languageRefs.Add(($"{op}.language", language));
                        options.Add(new MenuOption(digit, NodeRef(o, "goto", op), language));
                    }
                    if (options.Count == 0)
                        throw Error($"{p}.options", "a menu needs at least one option");
                    return new MenuNode(id, PromptItems(e, "prompts", p), options.ToImmutable(), Input(e, p));
                }
                case "collect":
                {
                    var min = OptionalInt(e, "minLength", p, 1, 64) ?? 1;
                    var max = OptionalInt(e, "maxLength", p, 1, 64) ?? 20;
                    if (min > max)
                        throw Error($"{p}.minLength", $"minLength {min} is greater than maxLength {max}");
                    char? terminator = e.TryGetProperty("terminator", out var t) && t.ValueKind == JsonValueKind.Null
                        ? null
                        : OptionalDigit(e, "terminator", p) ?? '#';
                    if (terminator is >= '0' and <= '9')
                        throw Error($"{p}.terminator", $"terminator '{terminator}' is a digit the caller may need to enter");
                    var variable = RequiredString(e, "variable", p);
                    return new CollectNode(id, PromptItems(e, "prompts", p), variable, min, max, terminator, Input(e, p),
                        NodeRef(e, "next", p), OptionalBool(e, "attach", p) ?? true);
                }
                case "lookup":
                {
                    var arguments = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                    if (Optional(e, "arguments", p) is { } args)
                    {
                        ExpectObject(args, $"{p}.arguments");
                        foreach (var a in args.EnumerateObject())
                            arguments[a.Name] = a.Value.ValueKind == JsonValueKind.String && a.Value.GetString() is { Length: > 0 } v
                                ? v
                                : throw Error($"{p}.arguments.{a.Name}", "expected the name of a session variable");
                    }
                    var branches = ImmutableArray.CreateBuilder<LookupBranch>();
                    if (Optional(e, "branches", p) is { } bs)
                    {
                        ExpectArray(bs, $"{p}.branches");
                        var i = 0;
                        foreach (var b in bs.EnumerateArray())
                        {
                            var bp = $"{p}.branches[{i++}]";
                            ExpectObject(b, bp);
                            branches.Add(new LookupBranch(RequiredString(b, "field", bp), RequiredString(b, "equals", bp), NodeRef(b, "goto", bp)));
                        }
                    }
                    return new LookupNode(id, OptionalPromptItems(e, "prompts", p), RequiredString(e, "service", p), arguments.ToImmutable(),
                        branches.ToImmutable(), OptionalStrings(e, "attach", p) ?? [], NodeRef(e, "next", p), NodeRef(e, "failed", p));
                }
                case "hours":
                    if (!hasCalendar)
                        throw Error($"{p}.type", "an 'hours' node needs the menu's businessHours");
                    return new BusinessHoursNode(id, NodeRef(e, "open", p), NodeRef(e, "closed", p));
                case "play":
                    return new PlayNode(id, PromptItems(e, "prompts", p), NodeRef(e, "next", p));
                case "queue":
                {
                    var skills = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
                    if (Optional(e, "skills", p) is { } s)
                    {
                        ExpectObject(s, $"{p}.skills");
                        foreach (var skill in s.EnumerateObject())
                            skills[skill.Name] = skill.Value.ValueKind == JsonValueKind.Number && skill.Value.TryGetInt32(out var level) && level is >= 1 and <= 5
                                ? level
                                : throw Error($"{p}.skills.{skill.Name}", "expected a proficiency 1..5");
                    }
                    return new QueueNode(id, OptionalPromptItems(e, "prompts", p), RequiredString(e, "service", p),
                        OptionalInt(e, "priority", p, 0, 1000) ?? 0, skills.ToImmutable());
                }
                case "voicemail":
                    return new VoicemailNode(id, OptionalPromptItems(e, "prompts", p), RequiredString(e, "service", p));
                case "callback":
                    return new CallbackNode(id, OptionalPromptItems(e, "prompts", p), RequiredString(e, "service", p));
                case "hangup":
                    return new HangUpNode(id, OptionalPromptItems(e, "prompts", p), OptionalString(e, "reason", p) ?? "ivr-end");
                default:
                    throw Error($"{p}.type", $"unknown node type '{type}' (menu, collect, lookup, hours, play, queue, voicemail, callback, hangup)");
            }
        }

        private InputPolicy Input(JsonElement e, string p)
        {
            string? exhausted = e.TryGetProperty("exhausted", out _) ? NodeRef(e, "exhausted", p) : null;
            return new InputPolicy(OptionalSeconds(e, "timeoutSeconds", p) ?? DefaultTimeout, OptionalInt(e, "retries", p, 0, 10) ?? DefaultRetries,
                OptionalPromptItems(e, "noInput", p), OptionalPromptItems(e, "invalid", p), exhausted);
        }

        private SurveySettings Survey(JsonElement e, string p)
        {
            ExpectObject(e, p);
            var min = OptionalInt(e, "minScore", p, 0, 9) ?? 1;
            var max = OptionalInt(e, "maxScore", p, 0, 9) ?? 5;
            if (min > max)
                throw Error($"{p}.minScore", $"minScore {min} is greater than maxScore {max}");
            return new SurveySettings(PromptItems(e, "question", p), OptionalPromptItems(e, "thanks", p), OptionalPromptItems(e, "invalid", p),
                OptionalSeconds(e, "timeoutSeconds", p) ?? DefaultTimeout, OptionalInt(e, "retries", p, 0, 10) ?? DefaultRetries, min, max);
        }

        private ImmutableDictionary<string, ImmutableDictionary<string, string>> Prompts(JsonElement root, string p, string defaultLanguage, ImmutableArray<string> languages)
        {
            var result = ImmutableDictionary.CreateBuilder<string, ImmutableDictionary<string, string>>(StringComparer.Ordinal);
            if (Optional(root, "prompts", p) is not { } prompts)
                return result.ToImmutable();
            ExpectObject(prompts, $"{p}.prompts");
            foreach (var prompt in prompts.EnumerateObject())
            {
                var pp = $"{p}.prompts.{prompt.Name}";
                if (!IsPromptId(prompt.Name))
                    throw Error(pp, $"prompt id '{prompt.Name}' may only use letters, digits, '-', '_' and '.'");
                ExpectObject(prompt.Value, pp);
                var texts = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
                foreach (var text in prompt.Value.EnumerateObject())
                {
                    if (!languages.Contains(text.Name))
                        throw Error($"{pp}.{text.Name}", $"language '{text.Name}' is not one of the menu's languages ({string.Join(", ", languages)})");
                    texts[text.Name] = text.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(text.Value.GetString())
                        ? text.Value.GetString()!
                        : throw Error($"{pp}.{text.Name}", "expected the prompt text");
                }
                if (!texts.ContainsKey(defaultLanguage))
                    throw Error(pp, $"no text in the default language '{defaultLanguage}'");
                result[prompt.Name] = texts.ToImmutable();
            }
            return result.ToImmutable();
        }

        internal static bool IsPromptId(string id) =>
            id.Length is > 0 and <= 80 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

        private BusinessCalendar Calendar(JsonElement e, string p)
        {
            ExpectObject(e, p);
            var zoneId = RequiredString(e, "timeZone", p);
            TimeZoneInfo zone;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw Error($"{p}.timeZone", $"unknown time zone '{zoneId}'");
            }
            var weeklyElement = Required(e, "weekly", p);
            ExpectObject(weeklyElement, $"{p}.weekly");
            var weekly = ImmutableDictionary.CreateBuilder<DayOfWeek, ImmutableArray<OpeningHours>>();
            foreach (var day in weeklyElement.EnumerateObject())
            {
                var dp = $"{p}.weekly.{day.Name}";
                var days = DayNames(day.Name) ?? throw Error(dp, $"unknown day '{day.Name}' (mon..sun, or a range like mon-fri)");
                ExpectArray(day.Value, dp);
                var spans = ImmutableArray.CreateBuilder<OpeningHours>();
                var i = 0;
                foreach (var span in day.Value.EnumerateArray())
                    spans.Add(Span(span, $"{dp}[{i++}]"));
                foreach (var d in days)
                    weekly[d] = weekly.TryGetValue(d, out var existing) ? existing.AddRange(spans) : spans.ToImmutable();
            }
            var holidays = ImmutableHashSet.CreateBuilder<DateOnly>();
            if (Optional(e, "holidays", p) is { } hs)
            {
                ExpectArray(hs, $"{p}.holidays");
                var i = 0;
                foreach (var h in hs.EnumerateArray())
                {
                    var hp = $"{p}.holidays[{i++}]";
                    if (h.ValueKind != JsonValueKind.String || !DateOnly.TryParseExact(h.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                        throw Error(hp, "expected a date yyyy-MM-dd");
                    holidays.Add(date);
                }
            }
            return new BusinessCalendar(zone, weekly.ToImmutable(), holidays.ToImmutable());
        }

        private OpeningHours Span(JsonElement e, string p)
        {
            var text = e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
            var parts = text.Split('-');
            if (parts.Length == 2 && TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
            {
                if (parts[1] == "24:00")
                    return new OpeningHours(from, TimeOnly.MaxValue, ToEndOfDay: true);
                if (TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to) && to > from)
                    return new OpeningHours(from, to);
            }
            throw Error(p, $"expected opening hours like \"08:00-22:00\", got '{text}'");
        }

        private static readonly string[] DayKeys = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

        private static IReadOnlyList<DayOfWeek>? DayNames(string name)
        {
            var parts = name.ToLowerInvariant().Split('-');
            var first = Array.IndexOf(DayKeys, parts[0]);
            if (first < 0 || parts.Length > 2)
                return null;
            if (parts.Length == 1)
                return [(DayOfWeek)first];
            var last = Array.IndexOf(DayKeys, parts[1]);
            if (last < 0)
                return null;
            var days = new List<DayOfWeek>();
            for (var d = first; ; d = (d + 1) % 7)
            {
                days.Add((DayOfWeek)d);
                if (d == last)
                    return days;
            }
        }

        private string NodeRef(JsonElement e, string name, string p)
        {
            var target = RequiredString(e, name, p);
            _nodeRefs.Add(($"{p}.{name}", target));
            return target;
        }

        private ImmutableArray<PromptItem> PromptItems(JsonElement e, string name, string p)
        {
            var items = OptionalPromptItems(e, name, p);
            return items.IsEmpty ? throw Error($"{p}.{name}", "at least one prompt is needed") : items;
        }

        private ImmutableArray<PromptItem> OptionalPromptItems(JsonElement e, string name, string p)
        {
            if (Optional(e, name, p) is not { } array)
                return [];
            var ap = $"{p}.{name}";
            ExpectArray(array, ap);
            var items = ImmutableArray.CreateBuilder<PromptItem>();
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                var ip = $"{ap}[{i++}]";
                if (item.ValueKind == JsonValueKind.String)
                {
                    var id = item.GetString()!;
                    _promptRefs.Add((ip, id));
                    items.Add(new PlayPrompt(id));
                }
                else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("prompt", out _))
                {
                    var id = RequiredString(item, "prompt", ip);
                    _promptRefs.Add(($"{ip}.prompt", id));
                    var language = OptionalString(item, "language", ip);
                    if (language is not null)
                        _languageRefs.Add(($"{ip}.language", language));
                    items.Add(new PlayPrompt(id, language));
                }
                else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("digits", out _))
                    items.Add(new SayDigits(RequiredString(item, "digits", ip)));
                else if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("amount", out _))
                    items.Add(new SayAmount(RequiredString(item, "amount", ip)));
                else
                    throw Error(ip, "expected a prompt id, {\"prompt\": id, \"language\": code}, {\"digits\": variable} or {\"amount\": variable}");
            }
            return items.ToImmutable();
        }

        private JsonElement? Optional(JsonElement e, string name, string p) =>
            e.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private JsonElement Required(JsonElement e, string name, string p) =>
            Optional(e, name, p) ?? throw Error($"{p}.{name}", "missing");

        private string RequiredString(JsonElement e, string name, string p) =>
            OptionalString(e, name, p) ?? throw Error($"{p}.{name}", "missing");

        private string? OptionalString(JsonElement e, string name, string p) => Optional(e, name, p) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } s when s.GetString() is { Length: > 0 } text => text,
            _ => throw Error($"{p}.{name}", "expected a non-empty string"),
        };

        private ImmutableArray<string>? OptionalStrings(JsonElement e, string name, string p)
        {
            if (Optional(e, name, p) is not { } array)
                return null;
            ExpectArray(array, $"{p}.{name}");
            var i = 0;
            return [.. array.EnumerateArray().Select(item =>
            {
                var ip = $"{p}.{name}[{i++}]";
                return item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } s ? s : throw Error(ip, "expected a non-empty string");
            })];
        }

        private char? OptionalDigit(JsonElement e, string name, string p)
        {
            var text = OptionalString(e, name, p);
            if (text is null)
                return null;
            if (text.Length != 1 || !Dtmf.Contains(text[0]))
                throw Error($"{p}.{name}", $"'{text}' is not a DTMF key (one of {Dtmf})");
            return text[0];
        }

        private int? OptionalInt(JsonElement e, string name, string p, int min, int max) => Optional(e, name, p) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var v) && v >= min && v <= max => v,
            _ => throw Error($"{p}.{name}", $"expected a whole number {min}..{max}"),
        };

        private bool? OptionalBool(JsonElement e, string name, string p) => Optional(e, name, p) switch
        {
            null => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw Error($"{p}.{name}", "expected true or false"),
        };

        private TimeSpan? OptionalSeconds(JsonElement e, string name, string p) => Optional(e, name, p) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var s) && s is > 0 and <= 3600 => TimeSpan.FromSeconds(s),
            _ => throw Error($"{p}.{name}", "expected seconds, more than 0 and at most 3600"),
        };

        private void ExpectObject(JsonElement e, string p)
        {
            if (e.ValueKind != JsonValueKind.Object)
                throw Error(p, $"expected an object, got {e.ValueKind}");
        }

        private void ExpectArray(JsonElement e, string p)
        {
            if (e.ValueKind != JsonValueKind.Array)
                throw Error(p, $"expected an array, got {e.ValueKind}");
        }
    }
}
