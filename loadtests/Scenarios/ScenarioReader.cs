using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using CallCenter.Acd;
using CallCenter.LoadTests.Randomness;

namespace CallCenter.LoadTests.Scenarios;

/// <summary>
/// Reads and validates a scenario file. Every problem is reported with the JSON path of the
/// field at fault; a scenario that reads without error is safe to start (invariant 6: bad input
/// gets a clear error and changes nothing).
/// </summary>
public static class ScenarioReader
{
    public const string Root = "scenario";

    public static readonly IReadOnlyDictionary<string, RoutingStrategy> Strategies = new Dictionary<string, RoutingStrategy>
    {
        ["longest-idle"] = RoutingStrategy.LongestIdle,
        ["fewest-calls"] = RoutingStrategy.FewestCalls,
        ["least-talk-time"] = RoutingStrategy.LeastTalkTime,
        ["round-robin"] = RoutingStrategy.RoundRobin,
        ["ring-all"] = RoutingStrategy.RingAll,
        ["random"] = RoutingStrategy.Random,
        ["best-skill-match"] = RoutingStrategy.BestSkillMatch,
    };

    public static readonly IReadOnlyDictionary<string, MaxWaitAction> MaxWaitActions = new Dictionary<string, MaxWaitAction>
    {
        ["overflow"] = MaxWaitAction.Overflow,
        ["voicemail"] = MaxWaitAction.Voicemail,
        ["callback"] = MaxWaitAction.Callback,
        ["disconnect"] = MaxWaitAction.Disconnect,
    };

    public static readonly IReadOnlyDictionary<string, OverflowCondition> OverflowConditions = new Dictionary<string, OverflowCondition>
    {
        ["wait"] = OverflowCondition.WaitExceeded,
        ["no-agents"] = OverflowCondition.NoAgentsLoggedIn,
        ["all-busy"] = OverflowCondition.AllBusy,
    };

    public static readonly IReadOnlyDictionary<string, ArrivalProcess> Processes = new Dictionary<string, ArrivalProcess>
    {
        ["poisson"] = ArrivalProcess.Poisson,
        ["uniform"] = ArrivalProcess.Uniform,
    };

    private static readonly string[] DistributionKinds = ["constant", "exponential", "uniform", "lognormal", "none"];

    /// <summary>Skill proficiency: 1 (basic) .. 5 (expert), as in AgentProfile.</summary>
    public const int MaxProficiency = 5;

    public static ScenarioReadResult ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException([new ScenarioError(Root, $"cannot read '{path}': {ex.Message}")]);
        }
        return Parse(text);
    }

    /// <summary>Parses and validates; throws <see cref="ScenarioException"/> listing every error.</summary>
    public static ScenarioReadResult Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line
                ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}"
                : "";
            throw new ScenarioException([new ScenarioError(Root, $"malformed JSON{where}: {FirstSentence(ex.Message)}")]);
        }

        using (document)
        {
            var errors = new List<ScenarioError>();
            var warnings = new List<ScenarioError>();
            var scenario = Read(document.RootElement, errors, warnings);
            if (errors.Count > 0 || scenario is null)
            {
                throw new ScenarioException(errors);
            }
            var refused = new ScenarioPlan(scenario).CheckAgainstGrains();
            if (refused.Count > 0)
            {
                throw new ScenarioException(refused);
            }
            return new ScenarioReadResult(scenario, warnings);
        }
    }

    /// <summary>The parser's message without its own path and position suffixes (we say line and position ourselves).</summary>
    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }
        return message.TrimEnd();
    }

    private static Scenario? Read(JsonElement root, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        var r = JsonObjectReader.Of(root, Root, errors, warnings);
        if (r is null)
        {
            return null;
        }

        var name = r.String("name");
        var seed = r.Integer("seed") ?? 1;
        var speed = r.Number("speed", min: 0, minExclusive: true) ?? 1;
        var duration = r.Number("durationSeconds", required: true, min: 0, minExclusive: true);
        var recovery = r.Number("notReadyRecoverySeconds", min: 0) ?? 5;
        var drain = r.Number("drainSeconds", min: 0, minExclusive: true);
        DateTimeOffset? startAt = null;
        if (r.String("startAt") is { } startText)
        {
            if (DateTimeOffset.TryParse(startText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                startAt = parsed;
            }
            else
            {
                r.Error("startAt", $"expected an ISO 8601 date and time, got \"{startText}\"");
            }
        }

        var queues = ReadQueues(r, errors, warnings);
        var queueIds = new HashSet<string>(queues.Select(q => q.Spec.Id), StringComparer.Ordinal);
        var agents = ReadAgents(r, errors, warnings, queueIds);
        var routing = ReadRouting(r, errors, warnings, queueIds);
        var arrivals = ReadArrivals(r, errors, warnings, queueIds, routing);

        // Cross-references among queues once every id is known.
        foreach (var (spec, path) in queues)
        {
            for (var i = 0; i < spec.Overflow.Length; i++)
            {
                var target = spec.Overflow[i].To;
                if (!queueIds.Contains(target))
                {
                    errors.Add(new($"{path}.overflow[{i}].to", $"unknown queue '{target}'{KnownQueues(queueIds)}"));
                }
                else if (target == spec.Id)
                {
                    errors.Add(new($"{path}.overflow[{i}].to", "a queue cannot overflow to itself"));
                }
            }
            if (spec.MaxWaitTarget == spec.Id)
            {
                errors.Add(new($"{path}.maxWaitTarget", "a queue cannot overflow to itself"));
            }
            else if (spec.MaxWaitAction == MaxWaitAction.Overflow)
            {
                if (spec.MaxWaitTarget is null)
                {
                    errors.Add(new($"{path}.maxWaitTarget", "required when maxWaitAction is 'overflow'"));
                }
                else if (!queueIds.Contains(spec.MaxWaitTarget))
                {
                    errors.Add(new($"{path}.maxWaitTarget", $"unknown queue '{spec.MaxWaitTarget}'{KnownQueues(queueIds)}"));
                }
            }
        }

        foreach (var (spec, path) in queues)
        {
            var served = agents.Any(a => a.Queues.ContainsKey(spec.Id));
            if (!served && spec.Overflow.IsEmpty && spec.MaxWaitSeconds is null)
            {
                warnings.Add(new(path, $"no agent serves queue '{spec.Id}' and it has no overflow: its calls will wait or be rejected"));
            }
        }

        r.WarnUnknownFields();
        if (duration is null)
        {
            return null;
        }
        return new Scenario
        {
            Name = name,
            Seed = seed,
            Speed = speed,
            DurationSeconds = duration.Value,
            NotReadyRecoverySeconds = recovery,
            DrainSeconds = drain,
            StartAt = startAt,
            Queues = [.. queues.Select(q => q.Spec)],
            Agents = [.. agents],
            Routing = [.. routing],
            Arrivals = [.. arrivals],
        };
    }

    private static string KnownQueues(HashSet<string> ids) =>
        ids.Count == 0 ? "" : $"; known queues: {string.Join(", ", ids.Order(StringComparer.Ordinal))}";

    private static List<(QueueSpec Spec, string Path)> ReadQueues(JsonObjectReader r, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        var result = new List<(QueueSpec, string)>();
        var firstPathOfId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (element, path) in r.Array("queues", required: true, nonEmpty: true))
        {
            var q = JsonObjectReader.Of(element, path, errors, warnings);
            if (q is null)
            {
                continue;
            }
            var id = q.String("id", required: true);
            if (id is not null)
            {
                if (firstPathOfId.TryGetValue(id, out var first))
                {
                    q.Error("id", $"duplicate queue id '{id}' (also {first})");
                    id = null;
                }
                else
                {
                    firstPathOfId[id] = path;
                }
            }

            var strategy = RoutingStrategy.LongestIdle;
            if (q.String("strategy") is { } strategyName)
            {
                if (Strategies.TryGetValue(strategyName, out var s))
                {
                    strategy = s;
                }
                else
                {
                    q.Error("strategy", $"unknown strategy '{strategyName}'; expected one of {string.Join(", ", Strategies.Keys)}");
                }
            }

            var maxWaitAction = MaxWaitAction.Voicemail;
            if (q.String("maxWaitAction") is { } actionName)
            {
                if (MaxWaitActions.TryGetValue(actionName, out var a))
                {
                    maxWaitAction = a;
                }
                else
                {
                    q.Error("maxWaitAction", $"unknown action '{actionName}'; expected one of {string.Join(", ", MaxWaitActions.Keys)}");
                }
            }

            var spec = new QueueSpec
            {
                Id = id ?? "",
                Name = q.String("name", allowEmpty: true) ?? "",
                Region = q.String("region"),
                Strategy = strategy,
                ServiceLevelSeconds = q.Number("serviceLevelSeconds", min: 0, minExclusive: true) ?? 20,
                RingTimeoutSeconds = q.Number("ringTimeoutSeconds", min: 0, minExclusive: true) ?? 15,
                WrapUpSeconds = q.Number("wrapUpSeconds", min: 0) ?? 0,
                MaxWaitSeconds = q.Number("maxWaitSeconds", min: 0, minExclusive: true),
                MaxWaitAction = maxWaitAction,
                MaxWaitTarget = q.String("maxWaitTarget"),
                Overflow = [.. ReadOverflow(q, errors, warnings)],
                Relaxation = [.. ReadRelaxation(q, errors, warnings)],
                BaseLevel = q.Integer("baseLevel", min: 1),
                RingAllLimit = q.Integer("ringAllLimit", min: 1),
            };
            q.WarnUnknownFields();
            if (id is not null)
            {
                result.Add((spec, path));
            }
        }
        return result;
    }

    private static List<OverflowSpec> ReadOverflow(JsonObjectReader q, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        var rules = new List<OverflowSpec>();
        foreach (var (element, path) in q.Array("overflow"))
        {
            var o = JsonObjectReader.Of(element, path, errors, warnings);
            if (o is null)
            {
                continue;
            }
            var when = OverflowCondition.WaitExceeded;
            if (o.String("when") is { } whenName)
            {
                if (OverflowConditions.TryGetValue(whenName, out var c))
                {
                    when = c;
                }
                else
                {
                    o.Error("when", $"unknown condition '{whenName}'; expected one of {string.Join(", ", OverflowConditions.Keys)}");
                }
            }
            var after = o.Number("afterSeconds", required: when == OverflowCondition.WaitExceeded, min: 0, minExclusive: when == OverflowCondition.WaitExceeded);
            var to = o.String("to", required: true);
            o.WarnUnknownFields();
            if (to is not null && (after is not null || when != OverflowCondition.WaitExceeded))
            {
                rules.Add(new OverflowSpec(when, after ?? 0, to));
            }
        }
        return rules;
    }

    private static List<RelaxationSpec> ReadRelaxation(JsonObjectReader q, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        var steps = new List<RelaxationSpec>();
        foreach (var (element, path) in q.Array("relaxation"))
        {
            var s = JsonObjectReader.Of(element, path, errors, warnings);
            if (s is null)
            {
                continue;
            }
            var after = s.Number("afterSeconds", required: true, min: 0);
            var maxLevel = s.Integer("maxLevel", min: 1);
            var reduction = s.Integer("proficiencyReduction", min: 0, max: MaxProficiency) ?? 0;
            var dropped = new List<string>();
            foreach (var (skill, skillPath) in s.Array("dropSkills"))
            {
                if (skill.ValueKind == JsonValueKind.String && skill.GetString() is { Length: > 0 } skillName)
                {
                    dropped.Add(skillName);
                }
                else
                {
                    errors.Add(new(skillPath, $"expected a skill name, got {JsonObjectReader.Describe(skill)}"));
                }
            }
            s.WarnUnknownFields();
            if (after is not null)
            {
                steps.Add(new RelaxationSpec(after.Value, maxLevel, reduction, [.. dropped]));
            }
        }
        return steps;
    }

    private static List<AgentGroupSpec> ReadAgents(JsonObjectReader r, List<ScenarioError> errors, List<ScenarioError> warnings, HashSet<string> queueIds)
    {
        var groups = new List<AgentGroupSpec>();
        foreach (var (element, path) in r.Array("agents", required: true))
        {
            var a = JsonObjectReader.Of(element, path, errors, warnings);
            if (a is null)
            {
                continue;
            }
            var count = a.Integer("count", required: true, min: 1, max: 1_000_000);
            var prefix = a.String("idPrefix") ?? "a";
            var queues = a.IntegerMap("queues", min: 1, max: 1000, required: true);
            if (queues is not null)
            {
                if (queues.Count == 0)
                {
                    a.Error("queues", "an agent must belong to at least one queue");
                }
                foreach (var queueId in queues.Keys.Where(k => !queueIds.Contains(k)))
                {
                    errors.Add(new($"{a.PathOf("queues")}.{queueId}", $"unknown queue '{queueId}'{KnownQueues(queueIds)}"));
                }
            }
            var skills = a.IntegerMap("skills", min: 1, max: MaxProficiency);
            var answerDelay = Distribution.Constant(0);
            if (a.TryGet("answerDelaySeconds", out var delay))
            {
                answerDelay = delay.ValueKind == JsonValueKind.Number
                    ? (a.CheckNumber(delay, a.PathOf("answerDelaySeconds"), 0, false, null) is { } seconds ? Distribution.Constant(seconds) : answerDelay)
                    : ReadDistribution(delay, a.PathOf("answerDelaySeconds"), errors, warnings, allowNone: false) ?? answerDelay;
            }
            var group = new AgentGroupSpec
            {
                Count = count ?? 0,
                IdPrefix = prefix,
                Name = a.String("name", allowEmpty: true) ?? "",
                Queues = queues?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, int>.Empty,
                Skills = skills?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, int>.Empty,
                Region = a.String("region"),
                AnswerDelaySeconds = answerDelay,
                AnswerProbability = a.Number("answerProbability", min: 0, max: 1) ?? 1,
                LoginReady = a.Boolean("loginReady") ?? true,
            };
            a.WarnUnknownFields();
            if (count is not null && queues is not null)
            {
                groups.Add(group);
            }
        }
        return groups;
    }

    private static List<RouteSpec> ReadRouting(JsonObjectReader r, List<ScenarioError> errors, List<ScenarioError> warnings, HashSet<string> queueIds)
    {
        const string Shapes = "expected {\"prefix\", \"region\"}, {\"service\", \"queue\"[, \"region\"]} or {\"account\", \"region\"}";
        var routes = new List<RouteSpec>();
        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (element, path) in r.Array("routing"))
        {
            var e = JsonObjectReader.Of(element, path, errors, warnings);
            if (e is null)
            {
                continue;
            }
            var shapes = new[] { "prefix", "service", "account" }.Where(e.Has).ToArray();
            if (shapes.Length != 1)
            {
                errors.Add(new(path, shapes.Length == 0 ? Shapes : $"has both '{shapes[0]}' and '{shapes[1]}'; {Shapes}"));
                continue;
            }
            switch (shapes[0])
            {
                case "prefix":
                {
                    var prefix = e.String("prefix", required: true);
                    var region = e.String("region", required: true);
                    if (prefix is not null && prefixes.TryGetValue(prefix, out var first))
                    {
                        e.Error("prefix", $"duplicate prefix '{prefix}' (also {first})");
                    }
                    else if (prefix is not null && region is not null)
                    {
                        prefixes[prefix] = path;
                        routes.Add(RouteSpec.ForPrefix(prefix, region));
                    }
                    break;
                }
                case "service":
                {
                    var service = e.String("service", required: true);
                    var region = e.String("region");
                    var queue = e.String("queue", required: true);
                    if (queue is not null && !queueIds.Contains(queue))
                    {
                        e.Error("queue", $"unknown queue '{queue}'{KnownQueues(queueIds)}");
                    }
                    else if (service is not null && queue is not null)
                    {
                        routes.Add(RouteSpec.ForService(service, region, queue));
                    }
                    break;
                }
                default:
                {
                    var account = e.String("account", required: true);
                    var region = e.String("region", required: true);
                    if (account is not null && region is not null)
                    {
                        routes.Add(RouteSpec.ForAccount(account, region));
                    }
                    break;
                }
            }
            e.WarnUnknownFields();
        }

        var duplicates = routes.Where(x => x.Kind == RouteKind.Service)
            .GroupBy(x => (x.Key, x.Region))
            .Where(g => g.Count() > 1);
        foreach (var duplicate in duplicates)
        {
            errors.Add(new($"{r.PathOf("routing")}", $"service '{duplicate.Key.Key}' has more than one route for region '{duplicate.Key.Region ?? "(default)"}'"));
        }
        return routes;
    }

    private static List<ArrivalSpec> ReadArrivals(
        JsonObjectReader r, List<ScenarioError> errors, List<ScenarioError> warnings, HashSet<string> queueIds, List<RouteSpec> routing)
    {
        var arrivals = new List<ArrivalSpec>();
        foreach (var (element, path) in r.Array("arrivals", required: true, nonEmpty: true))
        {
            var a = JsonObjectReader.Of(element, path, errors, warnings);
            if (a is null)
            {
                continue;
            }
            var queue = a.String("queue", required: true);
            if (queue is not null && !queueIds.Contains(queue))
            {
                a.Error("queue", $"unknown queue '{queue}'{KnownQueues(queueIds)}");
                queue = null;
            }
            var service = a.String("service") ?? queue;
            if (service is not null && a.Has("service")
                && !queueIds.Contains(service) && !routing.Any(x => x.Kind == RouteKind.Service && x.Key == service))
            {
                a.Error("service", $"service '{service}' has no route in scenario.routing and no queue of that id");
            }
            var rate = a.Number("ratePerSecond", required: true, min: 0);
            var process = ArrivalProcess.Poisson;
            if (a.String("process") is { } processName)
            {
                if (Processes.TryGetValue(processName, out var p))
                {
                    process = p;
                }
                else
                {
                    a.Error("process", $"unknown process '{processName}'; expected one of {string.Join(", ", Processes.Keys)}");
                }
            }

            Distribution? handle = null;
            if (a.TryGet("handleSeconds", out var handleElement))
            {
                handle = ReadDistribution(handleElement, a.PathOf("handleSeconds"), errors, warnings, allowNone: false);
            }
            else
            {
                a.Error("handleSeconds", "required field is missing");
            }
            var patience = Distribution.None;
            if (a.TryGet("patienceSeconds", out var patienceElement))
            {
                patience = ReadDistribution(patienceElement, a.PathOf("patienceSeconds"), errors, warnings, allowNone: true) ?? patience;
            }
            var skills = a.IntegerMap("skills", min: 1, max: MaxProficiency);
            var callerPrefix = a.String("callerPrefix", allowEmpty: true) ?? "";
            if (!callerPrefix.All(char.IsAsciiDigit))
            {
                a.Error("callerPrefix", $"must contain digits only (got \"{callerPrefix}\")");
            }
            var profile = ReadProfile(a, errors, warnings);
            var spec = new ArrivalSpec
            {
                Queue = queue ?? "",
                Service = service ?? "",
                Account = a.String("account"),
                RatePerSecond = rate ?? 0,
                Process = process,
                HandleSeconds = handle ?? Distribution.Constant(0),
                PatienceSeconds = patience,
                Priority = a.Integer("priority") ?? 0,
                CallerPrefix = callerPrefix,
                Skills = skills?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, int>.Empty,
                Profile = [.. profile],
            };
            a.WarnUnknownFields();
            if (queue is not null && rate is not null && handle is not null)
            {
                arrivals.Add(spec);
            }
        }
        return arrivals;
    }

    private static List<RateSegment> ReadProfile(JsonObjectReader a, List<ScenarioError> errors, List<ScenarioError> warnings)
    {
        var segments = new List<(RateSegment Segment, string Path)>();
        foreach (var (element, path) in a.Array("profile"))
        {
            var s = JsonObjectReader.Of(element, path, errors, warnings);
            if (s is null)
            {
                continue;
            }
            var from = s.Number("fromSeconds", required: true, min: 0);
            var to = s.Number("toSeconds", required: true, min: 0);
            var multiplier = s.Number("multiplier", required: true, min: 0);
            s.WarnUnknownFields();
            if (from is null || to is null || multiplier is null)
            {
                continue;
            }
            if (to <= from)
            {
                s.Error("toSeconds", $"must be > fromSeconds ({JsonObjectReader.Format(from.Value)})");
                continue;
            }
            var overlap = segments.FirstOrDefault(x => from < x.Segment.ToSeconds && x.Segment.FromSeconds < to);
            if (overlap.Segment is not null)
            {
                errors.Add(new(path, $"overlaps {overlap.Path}"));
                continue;
            }
            segments.Add((new RateSegment(from.Value, to.Value, multiplier.Value), path));
        }
        return [.. segments.Select(x => x.Segment).OrderBy(x => x.FromSeconds)];
    }

    /// <summary>A {"dist": …} object; <paramref name="allowNone"/> says whether "never" makes sense here.</summary>
    internal static Distribution? ReadDistribution(JsonElement element, string path, List<ScenarioError> errors, List<ScenarioError> warnings, bool allowNone)
    {
        var d = JsonObjectReader.Of(element, path, errors, warnings);
        if (d is null)
        {
            return null;
        }
        var kind = d.String("dist", required: true);
        Distribution? result = null;
        switch (kind)
        {
            case null:
                break;
            case "constant":
                result = d.Number("value", required: true, min: 0) is { } value ? Distribution.Constant(value) : null;
                break;
            case "exponential":
                result = d.Number("mean", required: true, min: 0, minExclusive: true) is { } exponentialMean ? Distribution.Exponential(exponentialMean) : null;
                break;
            case "uniform":
            {
                var min = d.Number("min", required: true, min: 0);
                var max = d.Number("max", required: true, min: 0);
                if (min is not null && max is not null)
                {
                    if (max < min)
                    {
                        d.Error("max", $"must be >= min ({JsonObjectReader.Format(min.Value)})");
                    }
                    else
                    {
                        result = Distribution.Uniform(min.Value, max.Value);
                    }
                }
                break;
            }
            case "lognormal":
            {
                var mean = d.Number("mean", required: true, min: 0, minExclusive: true);
                var sd = d.Number("sd", required: true, min: 0);
                result = mean is not null && sd is not null ? Distribution.LogNormal(mean.Value, sd.Value) : null;
                break;
            }
            case "none":
                if (allowNone)
                {
                    result = Distribution.None;
                }
                else
                {
                    d.Error("dist", "'none' is not allowed here: a value is needed");
                }
                break;
            default:
                d.Error("dist", $"unknown distribution '{kind}'; expected one of {string.Join(", ", DistributionKinds)}");
                break;
        }
        d.WarnUnknownFields();
        return result;
    }
}

/// <summary>A valid scenario, and what looked odd in it (unknown fields, unserved queues).</summary>
public sealed record ScenarioReadResult(Scenario Scenario, IReadOnlyList<ScenarioError> Warnings);
