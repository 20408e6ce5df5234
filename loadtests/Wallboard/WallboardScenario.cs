using System.Globalization;
using System.Text.Json.Nodes;
using CallCenter.LoadTests.Scenarios;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>
/// The traffic behind the wallboards: a center of <see cref="Regions"/> regions with two queues
/// each, Poisson arrivals at the asked rate in total, short calls (so that 1,000 calls/s needs
/// thousands of agents, not hundreds of thousands) and enough agents for a quarter of headroom
/// over the offered load. Written as scenario JSON and read back, so the scenario reader's checks apply.
/// </summary>
public static class WallboardScenario
{
    public const int Regions = 4;
    public const int QueuesPerRegion = 2;
    /// <summary>Agents per erlang of offered load.</summary>
    public const double Headroom = 1.25;
    private const double AnswerDelayMin = 0.2;
    private const double AnswerDelayMax = 1.0;

    public static Scenario Create(double callsPerSecond, double seconds, double handleSeconds)
    {
        var queues = new JsonArray();
        var agents = new JsonArray();
        var routing = new JsonArray();
        var arrivals = new JsonArray();
        var queueCount = Regions * QueuesPerRegion;
        var rate = callsPerSecond / queueCount;
        // Erlangs per queue: each call holds an agent while it rings and while it talks.
        var load = rate * (handleSeconds + (AnswerDelayMin + AnswerDelayMax) / 2);
        var agentsPerQueue = (int)Math.Ceiling(load * Headroom) + 2;
        for (var r = 1; r <= Regions; r++)
        {
            var region = $"wb{r}";
            var prefix = $"09{r}";
            routing.Add(new JsonObject { ["prefix"] = prefix, ["region"] = region });
            for (var q = 1; q <= QueuesPerRegion; q++)
            {
                var id = $"wb-{r}-{q}";
                queues.Add(new JsonObject
                {
                    ["id"] = id, ["name"] = $"Wallboard bench {r}.{q}", ["region"] = region, ["strategy"] = "longest-idle",
                    ["serviceLevelSeconds"] = 20, ["ringTimeoutSeconds"] = 15, ["wrapUpSeconds"] = 0, ["maxWaitSeconds"] = null,
                });
                agents.Add(new JsonObject
                {
                    ["count"] = agentsPerQueue, ["idPrefix"] = $"wb{r}{q}-", ["name"] = $"Bench agent {r}.{q}",
                    ["queues"] = new JsonObject { [id] = 1 }, ["skills"] = new JsonObject(), ["region"] = region,
                    ["answerDelaySeconds"] = new JsonObject { ["dist"] = "uniform", ["min"] = AnswerDelayMin, ["max"] = AnswerDelayMax },
                });
                arrivals.Add(new JsonObject
                {
                    ["queue"] = id, ["ratePerSecond"] = rate, ["process"] = "poisson",
                    ["handleSeconds"] = new JsonObject { ["dist"] = "exponential", ["mean"] = handleSeconds },
                    ["patienceSeconds"] = new JsonObject { ["dist"] = "exponential", ["mean"] = 60 },
                    ["priority"] = 0, ["callerPrefix"] = prefix,
                });
            }
        }
        var json = new JsonObject
        {
            ["name"] = $"wallboard-{callsPerSecond.ToString("0.##", CultureInfo.InvariantCulture)}cps",
            ["description"] = "The wallboard benchmark's traffic: four regions, two queues each, short calls.",
            ["seed"] = 1,
            ["speed"] = 1,
            ["durationSeconds"] = seconds,
            ["queues"] = queues,
            ["agents"] = agents,
            ["routing"] = routing,
            ["arrivals"] = arrivals,
        };
        return ScenarioReader.Parse(json.ToJsonString()).Scenario;
    }
}
