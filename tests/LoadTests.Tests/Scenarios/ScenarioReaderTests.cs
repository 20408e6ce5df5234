using CallCenter.Acd;
using CallCenter.LoadTests.Randomness;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Tests.Scenarios;

public sealed class ScenarioReaderTests
{
    /// <summary>The contract's example scenario, verbatim.</summary>
    public const string ContractExample = """
        {"seed":1,"speed":100,"durationSeconds":3600,
         "queues":[{"id":"billing","strategy":"longest-idle","serviceLevelSeconds":20,"ringTimeoutSeconds":15,"wrapUpSeconds":0,"maxWaitSeconds":null,"overflow":[{"afterSeconds":60,"to":"common"}]},
                   {"id":"common"}],
         "agents":[{"count":50,"idPrefix":"a","queues":{"billing":1},"skills":{},"region":"hn","answerDelaySeconds":0}],
         "routing":[{"prefix":"0731","region":"hn"}],
         "arrivals":[{"queue":"billing","ratePerSecond":0.25,"process":"poisson","handleSeconds":{"dist":"exponential","mean":180},"patienceSeconds":{"dist":"none"},"priority":0,"callerPrefix":"0731"}]}
        """;

    [Fact]
    public void The_contract_example_parses_with_its_values()
    {
        var scenario = ScenarioReader.Parse(ContractExample).Scenario;

        Assert.Equal(1, scenario.Seed);
        Assert.Equal(100, scenario.Speed);
        Assert.Equal(3600, scenario.DurationSeconds);
        var billing = scenario.Queues[0];
        Assert.Equal(RoutingStrategy.LongestIdle, billing.Strategy);
        Assert.Null(billing.MaxWaitSeconds);
        Assert.Equal(new OverflowSpec(OverflowCondition.WaitExceeded, 60, "common"), billing.Overflow.Single());
        Assert.Equal(50, scenario.Agents[0].Count);
        Assert.Equal(0, ((ConstantDistribution)scenario.Agents[0].AnswerDelaySeconds).Value);
        var arrival = scenario.Arrivals.Single();
        Assert.Equal("billing", arrival.Service);
        Assert.True(arrival.PatienceSeconds.IsNone);
        Assert.Equal(180, arrival.HandleSeconds.Mean);
        Assert.Equal(RouteSpec.ForPrefix("0731", "hn"), scenario.Routing.Single());
    }

    [Fact]
    public void Defaults_apply_when_optional_fields_are_missing()
    {
        var scenario = ScenarioReader.Parse("""
            {"durationSeconds": 60, "queues": [{"id": "q"}], "agents": [{"count": 1, "queues": {"q": 1}}],
             "arrivals": [{"queue": "q", "ratePerSecond": 1, "handleSeconds": {"dist": "constant", "value": 5}}]}
            """).Scenario;

        Assert.Equal(1, scenario.Seed);
        Assert.Equal(1, scenario.Speed);
        Assert.Equal(5, scenario.NotReadyRecoverySeconds);
        var q = scenario.Queues[0];
        Assert.Equal((RoutingStrategy.LongestIdle, 20.0, 15.0, 0.0), (q.Strategy, q.ServiceLevelSeconds, q.RingTimeoutSeconds, q.WrapUpSeconds));
        Assert.Equal(1, scenario.Agents[0].AnswerProbability);
        Assert.True(scenario.Agents[0].LoginReady);
        Assert.Equal("a", scenario.Agents[0].IdPrefix);
        Assert.Equal(ArrivalProcess.Poisson, scenario.Arrivals[0].Process);
        Assert.True(scenario.Arrivals[0].PatienceSeconds.IsNone);
    }

    [Fact]
    public void Every_extension_maps_onto_the_model()
    {
        var scenario = ScenarioReader.Parse("""
            {"durationSeconds": 60,
             "queues": [
               {"id": "q", "name": "Q", "region": "hn", "strategy": "best-skill-match", "baseLevel": 1, "ringAllLimit": 3,
                "maxWaitSeconds": 90, "maxWaitAction": "overflow", "maxWaitTarget": "common",
                "overflow": [{"when": "no-agents", "to": "common"}, {"when": "all-busy", "to": "common"}, {"afterSeconds": 30, "to": "common"}],
                "relaxation": [{"afterSeconds": 30, "maxLevel": 2, "proficiencyReduction": 1, "dropSkills": ["x"]}]},
               {"id": "common", "strategy": "ring-all"}],
             "agents": [{"count": 2, "idPrefix": "s", "name": "Sales", "queues": {"q": 1, "common": 2}, "skills": {"x": 3},
                         "answerDelaySeconds": {"dist": "lognormal", "mean": 3, "sd": 1}, "answerProbability": 0.9, "loginReady": false}],
             "routing": [{"service": "hotline", "queue": "q"}, {"service": "hotline", "region": "bj", "queue": "common"}, {"account": "acc-1", "region": "bj"}],
             "arrivals": [{"queue": "q", "service": "hotline", "account": "acc-1", "ratePerSecond": 1, "process": "uniform",
                           "handleSeconds": {"dist": "uniform", "min": 10, "max": 20}, "patienceSeconds": {"dist": "exponential", "mean": 60},
                           "skills": {"x": 2}, "priority": 3,
                           "profile": [{"fromSeconds": 0, "toSeconds": 10, "multiplier": 2}, {"fromSeconds": 20, "toSeconds": 30, "multiplier": 0}]}]}
            """).Scenario;

        var q = scenario.Queues[0];
        Assert.Equal(("Q", "hn", RoutingStrategy.BestSkillMatch, 1, 3), (q.Name, q.Region, q.Strategy, q.BaseLevel, q.RingAllLimit));
        Assert.Equal((90.0, MaxWaitAction.Overflow, "common"), (q.MaxWaitSeconds, q.MaxWaitAction, q.MaxWaitTarget));
        Assert.Equal(
            [OverflowCondition.NoAgentsLoggedIn, OverflowCondition.AllBusy, OverflowCondition.WaitExceeded],
            q.Overflow.Select(o => o.When));
        var step = q.Relaxation.Single();
        Assert.Equal((30.0, 2, 1, "x"), (step.AfterSeconds, step.MaxLevel, step.ProficiencyReduction, step.DropSkills.Single()));
        Assert.Equal(RoutingStrategy.RingAll, scenario.Queues[1].Strategy);
        var agents = scenario.Agents[0];
        Assert.Equal(("Sales", 0.9, false, 3), (agents.Name, agents.AnswerProbability, agents.LoginReady, agents.Skills["x"]));
        Assert.IsType<LogNormalDistribution>(agents.AnswerDelaySeconds);
        Assert.Equal(
            [RouteSpec.ForService("hotline", null, "q"), RouteSpec.ForService("hotline", "bj", "common"), RouteSpec.ForAccount("acc-1", "bj")],
            scenario.Routing.ToArray());
        var arrival = scenario.Arrivals[0];
        Assert.Equal((ArrivalProcess.Uniform, "hotline", "acc-1", 3, 2), (arrival.Process, arrival.Service, arrival.Account, arrival.Priority, arrival.Skills["x"]));
        Assert.Equal(2, arrival.MultiplierAt(5));
        Assert.Equal(1, arrival.MultiplierAt(15));
        Assert.Equal(0, arrival.MultiplierAt(25));
    }

    [Theory]
    [InlineData("small.json")]
    [InlineData("provincial.json")]
    [InlineData("skills.json")]
    [InlineData("saturate.json")]
    [InlineData("erlang-c.json")]
    [InlineData("erlang-a.json")]
    public void The_example_scenarios_parse_without_warnings(string file)
    {
        var read = ScenarioReader.ReadFile(ExampleScenarios.PathOf(file));

        Assert.Empty(read.Warnings);
        Assert.NotEmpty(read.Scenario.Queues);
        Assert.NotEmpty(read.Scenario.Arrivals);
    }

    /// <summary>Each kind of bad input, and the path and words its error must carry.</summary>
    public static TheoryData<string, string, string, string> BadInputs => new()
    {
        { "malformed JSON", "{\"durationSeconds\": 60,\n \"queues\": [}", "scenario", "malformed JSON at line 2, position 13" },
        { "root not an object", "[1, 2]", "scenario", "expected an object" },
        { "missing duration", Valid(remove: "durationSeconds"), "scenario.durationSeconds", "required field is missing" },
        { "duration of the wrong type", Valid(replace: ("\"durationSeconds\": 60", "\"durationSeconds\": \"1h\"")), "scenario.durationSeconds", "expected a number" },
        { "zero speed", Valid(replace: ("\"durationSeconds\": 60", "\"durationSeconds\": 60, \"speed\": 0")), "scenario.speed", "must be > 0" },
        { "missing queues", Valid(remove: "queues"), "scenario.queues", "required field is missing" },
        { "empty queues", Valid(remove: "queues", add: "\"queues\": []"), "scenario.queues", "must not be empty" },
        { "queue without id", Valid(replace: ("{\"id\": \"common\"}", "{\"name\": \"x\"}")), "scenario.queues[1].id", "required field is missing" },
        { "duplicate queue ids", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"q\"}")), "scenario.queues[1].id", "duplicate queue id 'q'" },
        { "unknown strategy", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"strategy\": \"longest\"}")), "scenario.queues[1].strategy", "unknown strategy 'longest'; expected one of longest-idle" },
        { "zero service level threshold", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"serviceLevelSeconds\": 0}")), "scenario.queues[1].serviceLevelSeconds", "must be > 0" },
        { "zero ring timeout", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"ringTimeoutSeconds\": 0}")), "scenario.queues[1].ringTimeoutSeconds", "must be > 0" },
        { "unknown max-wait action", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"maxWaitAction\": \"hangup\"}")), "scenario.queues[1].maxWaitAction", "unknown action 'hangup'" },
        { "max-wait overflow without target", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"maxWaitSeconds\": 60, \"maxWaitAction\": \"overflow\"}")), "scenario.queues[1].maxWaitTarget", "required when maxWaitAction is 'overflow'" },
        { "overflow to an unknown queue", Valid(replace: ("\"to\": \"common\"", "\"to\": \"nowhere\"")), "scenario.queues[0].overflow[0].to", "unknown queue 'nowhere'" },
        { "overflow to itself", Valid(replace: ("\"to\": \"common\"", "\"to\": \"q\"")), "scenario.queues[0].overflow[0].to", "cannot overflow to itself" },
        { "wait overflow after zero seconds", Valid(replace: ("\"afterSeconds\": 60", "\"afterSeconds\": 0")), "scenario.queues[0].overflow[0].afterSeconds", "must be > 0" },
        { "max-wait target is the queue itself", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"maxWaitSeconds\": 60, \"maxWaitTarget\": \"common\"}")), "scenario.queues[1].maxWaitTarget", "cannot overflow to itself" },
        { "wait overflow without afterSeconds", Valid(replace: ("\"afterSeconds\": 60, ", "")), "scenario.queues[0].overflow[0].afterSeconds", "required field is missing" },
        { "unknown overflow condition", Valid(replace: ("\"afterSeconds\": 60, ", "\"when\": \"always\", ")), "scenario.queues[0].overflow[0].when", "unknown condition 'always'" },
        { "relaxation without afterSeconds", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"relaxation\": [{\"maxLevel\": 2}]}")), "scenario.queues[1].relaxation[0].afterSeconds", "required field is missing" },
        { "zero base level", Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"baseLevel\": 0}")), "scenario.queues[1].baseLevel", "must be >= 1" },
        { "missing agents", Valid(remove: "agents"), "scenario.agents", "required field is missing" },
        { "agent count of zero", Valid(replace: ("\"count\": 5", "\"count\": 0")), "scenario.agents[0].count", "must be >= 1" },
        { "fractional agent count", Valid(replace: ("\"count\": 5", "\"count\": 2.5")), "scenario.agents[0].count", "expected an integer" },
        { "agent in an unknown queue", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"billing\": 1}")), "scenario.agents[0].queues.billing", "unknown queue 'billing'" },
        { "agent in no queue", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {}")), "scenario.agents[0].queues", "at least one queue" },
        { "membership level of zero", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"q\": 0}")), "scenario.agents[0].queues.q", "must be >= 1" },
        { "proficiency above 5", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"q\": 1}, \"skills\": {\"x\": 7}")), "scenario.agents[0].skills.x", "must be <= 5" },
        { "answer probability above 1", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"q\": 1}, \"answerProbability\": 1.5")), "scenario.agents[0].answerProbability", "must be <= 1" },
        { "negative answer delay", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"q\": 1}, \"answerDelaySeconds\": -2")), "scenario.agents[0].answerDelaySeconds", "must be >= 0" },
        { "answer delay of none", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"q\": 1}, \"answerDelaySeconds\": {\"dist\": \"none\"}")), "scenario.agents[0].answerDelaySeconds.dist", "'none' is not allowed here" },
        { "login ready not a boolean", Valid(replace: ("\"queues\": {\"q\": 1}", "\"queues\": {\"q\": 1}, \"loginReady\": \"yes\"")), "scenario.agents[0].loginReady", "expected true or false" },
        { "routing entry of no known shape", Valid(replace: ("{\"prefix\": \"0731\", \"region\": \"hn\"}", "{\"region\": \"hn\"}")), "scenario.routing[0]", "expected {\"prefix\", \"region\"}" },
        { "routing entry of two shapes", Valid(replace: ("{\"prefix\": \"0731\", \"region\": \"hn\"}", "{\"prefix\": \"0731\", \"account\": \"a\", \"region\": \"hn\"}")), "scenario.routing[0]", "has both 'prefix' and 'account'" },
        { "prefix without region", Valid(replace: ("{\"prefix\": \"0731\", \"region\": \"hn\"}", "{\"prefix\": \"0731\"}")), "scenario.routing[0].region", "required field is missing" },
        { "service route to an unknown queue", Valid(replace: ("{\"prefix\": \"0731\", \"region\": \"hn\"}", "{\"service\": \"s\", \"queue\": \"zz\"}")), "scenario.routing[0].queue", "unknown queue 'zz'" },
        { "missing arrivals", Valid(remove: "arrivals"), "scenario.arrivals", "required field is missing" },
        { "arrival to an unknown queue", Valid(replace: ("\"queue\": \"q\", \"ratePerSecond\"", "\"queue\": \"billing\", \"ratePerSecond\"")), "scenario.arrivals[0].queue", "unknown queue 'billing'" },
        { "arrival without queue", Valid(replace: ("\"queue\": \"q\", \"ratePerSecond\"", "\"ratePerSecond\"")), "scenario.arrivals[0].queue", "required field is missing" },
        { "negative rate", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": -0.5")), "scenario.arrivals[0].ratePerSecond", "must be >= 0" },
        { "missing rate", Valid(replace: ("\"ratePerSecond\": 0.5, ", "")), "scenario.arrivals[0].ratePerSecond", "required field is missing" },
        { "unknown process", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": 0.5, \"process\": \"bursty\"")), "scenario.arrivals[0].process", "unknown process 'bursty'" },
        { "missing handle time", Valid(replace: ("\"handleSeconds\": {\"dist\": \"exponential\", \"mean\": 20}", "\"priority\": 0")), "scenario.arrivals[0].handleSeconds", "required field is missing" },
        { "zero mean handle", Valid(replace: ("\"mean\": 20", "\"mean\": 0")), "scenario.arrivals[0].handleSeconds.mean", "must be > 0" },
        { "handle mean missing", Valid(replace: ("\"mean\": 20", "\"value\": 20")), "scenario.arrivals[0].handleSeconds.mean", "required field is missing" },
        { "unknown distribution", Valid(replace: ("\"dist\": \"exponential\"", "\"dist\": \"gamma\"")), "scenario.arrivals[0].handleSeconds.dist", "unknown distribution 'gamma'; expected one of constant" },
        { "handle of none", Valid(replace: ("{\"dist\": \"exponential\", \"mean\": 20}", "{\"dist\": \"none\"}")), "scenario.arrivals[0].handleSeconds.dist", "'none' is not allowed here" },
        { "uniform with max below min", Valid(replace: ("{\"dist\": \"exponential\", \"mean\": 20}", "{\"dist\": \"uniform\", \"min\": 5, \"max\": 1}")), "scenario.arrivals[0].handleSeconds.max", "must be >= min" },
        { "lognormal without sd", Valid(replace: ("{\"dist\": \"exponential\", \"mean\": 20}", "{\"dist\": \"lognormal\", \"mean\": 20}")), "scenario.arrivals[0].handleSeconds.sd", "required field is missing" },
        { "negative patience", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": 0.5, \"patienceSeconds\": {\"dist\": \"constant\", \"value\": -1}")), "scenario.arrivals[0].patienceSeconds.value", "must be >= 0" },
        { "service with no route", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": 0.5, \"service\": \"96100\"")), "scenario.arrivals[0].service", "no route" },
        { "caller prefix with letters", Valid(replace: ("\"callerPrefix\": \"0731\"", "\"callerPrefix\": \"07x\"")), "scenario.arrivals[0].callerPrefix", "digits only" },
        { "profile segment backwards", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": 0.5, \"profile\": [{\"fromSeconds\": 10, \"toSeconds\": 5, \"multiplier\": 2}]")), "scenario.arrivals[0].profile[0].toSeconds", "must be > fromSeconds" },
        { "overlapping profile segments", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": 0.5, \"profile\": [{\"fromSeconds\": 0, \"toSeconds\": 10, \"multiplier\": 2}, {\"fromSeconds\": 5, \"toSeconds\": 20, \"multiplier\": 2}]")), "scenario.arrivals[0].profile[1]", "overlaps scenario.arrivals[0].profile[0]" },
        { "negative multiplier", Valid(replace: ("\"ratePerSecond\": 0.5", "\"ratePerSecond\": 0.5, \"profile\": [{\"fromSeconds\": 0, \"toSeconds\": 10, \"multiplier\": -1}]")), "scenario.arrivals[0].profile[0].multiplier", "must be >= 0" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_rejected_with_an_error_naming_its_field(string kind, string json, string path, string words)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(json));

        Assert.True(
            ex.Errors.Any(e => e.Path == path && e.Message.Contains(words, StringComparison.Ordinal)),
            $"{kind}: expected an error at {path} containing \"{words}\", got:\n{string.Join("\n", ex.Errors)}");
    }

    [Fact]
    public void The_valid_base_of_the_bad_input_table_is_itself_valid()
    {
        var read = ScenarioReader.Parse(Valid());

        Assert.Empty(read.Warnings);
    }

    [Fact]
    public void Every_error_in_a_file_is_reported_at_once()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse("""
            {"durationSeconds": -1, "queues": [{"id": "q", "strategy": "x"}], "agents": [{"count": 0, "queues": {"q": 1}}],
             "arrivals": [{"queue": "q", "ratePerSecond": -1, "handleSeconds": {"dist": "constant", "value": 1}}]}
            """));

        Assert.Equal(
            ["scenario.durationSeconds", "scenario.queues[0].strategy", "scenario.agents[0].count", "scenario.arrivals[0].ratePerSecond"],
            ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Unknown_fields_are_warnings_not_errors()
    {
        var read = ScenarioReader.Parse(Valid(replace: ("{\"id\": \"common\"}", "{\"id\": \"common\", \"stratgy\": \"random\", \"description\": \"a note\"}")));

        Assert.Equal("scenario.queues[1].stratgy", read.Warnings.Single().Path);
    }

    /// <summary>A small valid scenario in a fixed layout that the bad-input table edits by text replacement.</summary>
    private static string Valid(string? remove = null, (string From, string To)? replace = null, string? add = null)
    {
        var fields = new List<(string Name, string Json)>
        {
            ("durationSeconds", "\"durationSeconds\": 60"),
            ("queues", "\"queues\": [{\"id\": \"q\", \"overflow\": [{\"afterSeconds\": 60, \"to\": \"common\"}]}, {\"id\": \"common\"}]"),
            ("agents", "\"agents\": [{\"count\": 5, \"queues\": {\"q\": 1}}, {\"count\": 2, \"idPrefix\": \"c\", \"queues\": {\"common\": 1}}]"),
            ("routing", "\"routing\": [{\"prefix\": \"0731\", \"region\": \"hn\"}]"),
            ("arrivals", "\"arrivals\": [{\"queue\": \"q\", \"ratePerSecond\": 0.5, \"handleSeconds\": {\"dist\": \"exponential\", \"mean\": 20}, \"callerPrefix\": \"0731\"}]"),
        };
        var json = "{" + string.Join(", ", fields.Where(f => f.Name != remove).Select(f => f.Json).Append(add).OfType<string>()) + "}";
        if (replace is { } r)
        {
            Assert.Contains(r.From, json);
            json = json.Replace(r.From, r.To, StringComparison.Ordinal);
        }
        return json;
    }
}
