using CallCenter.Agents;
using CallCenter.Stats;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Stats;

public sealed class CenterSubscribersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private static AgentPresenceReport Report(string id, AgentState state, int second) =>
        new(id, "bj", state, T0.AddSeconds(second), second);

    [Fact]
    public void Nothing_is_pushed_when_nothing_changed()
    {
        var subscribers = new CenterSubscribers<string>(Lifetime);
        subscribers.Subscribe("web-1", T0);
        Assert.Null(subscribers.TakeBatch(T0));
    }

    [Fact]
    public void A_subscription_expires_unless_renewed()
    {
        var subscribers = new CenterSubscribers<string>(Lifetime);
        subscribers.Subscribe("web-1", T0);
        subscribers.Subscribe("web-2", T0);
        subscribers.Subscribe("web-2", T0 + Lifetime / 2);
        subscribers.FiguresChanged();
        var batch = subscribers.TakeBatch(T0 + Lifetime);
        Assert.Equal(["web-2"], batch!.Value.Observers);
        Assert.Equal(1, subscribers.Count);
    }

    /// <summary>Whatever the order of changes, one batch carries each changed agent once, with its latest report, and then forgets them.</summary>
    [FsCheck.Xunit.Property(MaxTest = 200)]
    public Property A_batch_carries_each_changed_agent_once_with_its_latest_report()
    {
        var changes = Gen.ListOf(Gen.Zip(Gen.Choose(1, 8), Gen.Elements(Enum.GetValues<AgentState>()))).Select(l => l.ToList());
        return Prop.ForAll(changes.ToArbitrary(), list =>
        {
            var subscribers = new CenterSubscribers<string>(Lifetime);
            subscribers.Subscribe("web", T0);
            var latest = new Dictionary<string, AgentPresenceReport>();
            for (var i = 0; i < list.Count; i++)
            {
                var report = Report($"a{list[i].Item1}", list[i].Item2, i);
                subscribers.AgentChanged(report);
                latest[report.AgentId] = report;
            }
            var batch = subscribers.TakeBatch(T0);
            var again = subscribers.TakeBatch(T0);
            return (list.Count == 0 ? batch is null
                : batch is { } b && b.Agents.Length == latest.Count && b.Agents.All(a => latest[a.AgentId] == a))
                && again is null;
        });
    }
}
