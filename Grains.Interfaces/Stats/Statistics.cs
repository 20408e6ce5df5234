using System.Collections.Immutable;
using CallCenter.Agents;

namespace CallCenter.Stats;

/// <summary>Counters for one period (the current 15-minute interval, or today). Times in seconds.</summary>
[GenerateSerializer, Immutable, Alias("stats.period")]
public sealed record PeriodCounters
{
    [Id(0)] public DateTimeOffset Start { get; init; }
    [Id(1)] public int Offered { get; init; }
    [Id(2)] public int Answered { get; init; }
    [Id(3)] public int Abandoned { get; init; }
    [Id(4)] public int AbandonedWithinThreshold { get; init; }
    [Id(5)] public int AnsweredWithinThreshold { get; init; }
    [Id(6)] public int OverflowedOut { get; init; }
    [Id(7)] public int OtherOutcomes { get; init; }
    [Id(8)] public double TotalAnswerWaitSeconds { get; init; }
    [Id(9)] public int Handled { get; init; }
    [Id(10)] public double TotalHandleSeconds { get; init; }

    /// <summary>Answered within threshold / (answered + abandoned after the threshold); 1 when nothing counts yet.</summary>
    public double ServiceLevel =>
        Answered + Abandoned - AbandonedWithinThreshold is var d and > 0 ? (double)AnsweredWithinThreshold / d : 1.0;
    public double AverageSpeedOfAnswerSeconds => Answered > 0 ? TotalAnswerWaitSeconds / Answered : 0;
    public double AverageHandleTimeSeconds => Handled > 0 ? TotalHandleSeconds / Handled : 0;
    public double AbandonmentRate => Answered + Abandoned > 0 ? (double)Abandoned / (Answered + Abandoned) : 0;

    public static PeriodCounters Sum(IEnumerable<PeriodCounters> parts, DateTimeOffset start)
    {
        var s = new PeriodCounters { Start = start };
        foreach (var p in parts)
        {
            s = s with
            {
                Offered = s.Offered + p.Offered,
                Answered = s.Answered + p.Answered,
                Abandoned = s.Abandoned + p.Abandoned,
                AbandonedWithinThreshold = s.AbandonedWithinThreshold + p.AbandonedWithinThreshold,
                AnsweredWithinThreshold = s.AnsweredWithinThreshold + p.AnsweredWithinThreshold,
                OverflowedOut = s.OverflowedOut + p.OverflowedOut,
                OtherOutcomes = s.OtherOutcomes + p.OtherOutcomes,
                TotalAnswerWaitSeconds = s.TotalAnswerWaitSeconds + p.TotalAnswerWaitSeconds,
                Handled = s.Handled + p.Handled,
                TotalHandleSeconds = s.TotalHandleSeconds + p.TotalHandleSeconds,
            };
        }
        return s;
    }
}

/// <summary>Live figures of one queue (ACD-7).</summary>
[GenerateSerializer, Immutable, Alias("stats.queue")]
public sealed record QueueStatistics
{
    [Id(0)] public required string QueueId { get; init; }
    [Id(1)] public string? Region { get; init; }
    [Id(2)] public DateTimeOffset At { get; init; }
    [Id(3)] public int CallsWaiting { get; init; }
    [Id(4)] public int CallsRinging { get; init; }
    [Id(5)] public double OldestWaitSeconds { get; init; }
    [Id(6)] public int AgentsReady { get; init; }
    [Id(7)] public int AgentsLoggedIn { get; init; }
    [Id(8)] public double ServiceLevelThresholdSeconds { get; init; }
    [Id(9)] public required PeriodCounters Interval { get; init; }
    [Id(10)] public required PeriodCounters Today { get; init; }
}

/// <summary>Figures for a region or the whole center: queues summed, agents counted once each.</summary>
[GenerateSerializer, Immutable, Alias("stats.scope")]
public sealed record ScopeStatistics
{
    [Id(0)] public required string Scope { get; init; }
    [Id(1)] public int CallsWaiting { get; init; }
    [Id(2)] public double OldestWaitSeconds { get; init; }
    [Id(3)] public ImmutableDictionary<AgentState, int> AgentsByState { get; init; } = ImmutableDictionary<AgentState, int>.Empty;
    [Id(4)] public required PeriodCounters Interval { get; init; }
    [Id(5)] public required PeriodCounters Today { get; init; }
}

[GenerateSerializer, Immutable, Alias("stats.center")]
public sealed record CenterStatistics(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] ScopeStatistics Center,
    [property: Id(2)] ImmutableDictionary<string, ScopeStatistics> Regions,
    [property: Id(3)] ImmutableDictionary<string, QueueStatistics> Queues);

[GenerateSerializer, Immutable, Alias("stats.agent-presence")]
public sealed record AgentPresenceReport(
    [property: Id(0)] string AgentId,
    [property: Id(1)] string? Region,
    [property: Id(2)] AgentState State,
    [property: Id(3)] DateTimeOffset Since,
    [property: Id(4)] long Sequence);

/// <summary>Collects queue figures and agent presence pushed in batches four times a second.</summary>
[Alias("stats.center-grain")]
public interface ICenterStatisticsGrain : IGrainWithStringKey
{
    [Alias("report-queue"), OneWay] Task ReportQueue(QueueStatistics statistics);
    [Alias("report-agents"), OneWay] Task ReportAgents(IReadOnlyList<AgentPresenceReport> reports);
    [Alias("get")] Task<CenterStatistics> Get();
}

/// <summary>A waiting caller's place: 1 = next; the expected wait is a plain estimate (calls ahead x average handle time / agents logged in).</summary>
[GenerateSerializer, Immutable, Alias("stats.queue-position")]
public sealed record QueuePosition(
    [property: Id(0)] int Position,
    [property: Id(1)] int Waiting,
    [property: Id(2)] TimeSpan ExpectedWait);

/// <summary>One call waiting in a queue, in the queue's order (position 1 = offered next).</summary>
[GenerateSerializer, Immutable, Alias("stats.waiting-call")]
public sealed record WaitingCall(
    [property: Id(0)] string CallId,
    [property: Id(1)] string QueueId,
    [property: Id(2)] int Position,
    [property: Id(3)] int Priority,
    [property: Id(4)] string CallerNumber,
    [property: Id(5)] string? CallerRegion,
    [property: Id(6)] DateTimeOffset FirstArrival,
    [property: Id(7)] DateTimeOffset EnteredAt,
    [property: Id(8)] TimeSpan Waited);
