using System.Globalization;
using System.Text.Json;

namespace CallCenter.LoadTests.Tickets;

/// <summary>Lateness of escalations behind their due times: on the center clock, in business time and in wall time.</summary>
public sealed record LatenessFigures(
    int Count,
    double CenterP50Seconds, double CenterP99Seconds, double CenterMaxSeconds,
    double BusinessMaxSeconds,
    double WallP50Seconds, double WallP99Seconds, double WallMaxSeconds);

/// <summary>One audit of the escalations (grain state or ticket_events) in the result.</summary>
public sealed record AuditFigures(
    int PastDeadline, int EscalatedOnce, int Missing, int Duplicated, int Early, int NotDue, int Unknown, bool ExactlyOnce,
    IReadOnlyList<string> Examples);

public sealed record RestartFigures(
    double AtWallSeconds, DateTimeOffset StoppedAtCenter, DateTimeOffset BackAtCenter,
    double StopSeconds, double StartSeconds, double DownSeconds,
    int EscalatedBeforeStop, int DueWhileDown, LatenessFigures? DueWhileDownLateness);

public sealed record TicketBenchResult
{
    public required int Tickets { get; init; }
    public required int Silos { get; init; }
    public required double Speed { get; init; }
    public required int ReminderPeriodSeconds { get; init; }
    public required DateTimeOffset FirstDueAt { get; init; }
    public required DateTimeOffset LastDueAt { get; init; }
    public required double CreateSeconds { get; init; }
    public required double TicketsCreatedPerSecond { get; init; }
    public RestartFigures? Restart { get; init; }
    public required AuditFigures State { get; init; }
    public required AuditFigures History { get; init; }
    /// <summary>Lateness behind the due time, of every escalation.</summary>
    public required LatenessFigures Lateness { get; init; }
    /// <summary>Lateness behind the due time or, for a deadline that passed while the cluster was down, behind its return.</summary>
    public required LatenessFigures Promptness { get; init; }
    public required int Warned { get; init; }
    public required int WarningsDuplicated { get; init; }
    public required double WallSeconds { get; init; }
    public required bool Passed { get; init; }
    public required IReadOnlyList<string> Failures { get; init; }
    public required string WorkDirectory { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, Failover.FailoverResult.JsonOptions);

    public void WriteSummary(TextWriter writer)
    {
        var inv = CultureInfo.InvariantCulture;
        writer.WriteLine(string.Create(inv, $"tickets: {Tickets} on {Silos} silos, clock x{Speed}, reminder period {ReminderPeriodSeconds} s, deadlines {FirstDueAt:yyyy-MM-dd HH:mm} .. {LastDueAt:yyyy-MM-dd HH:mm} (center clock)"));
        writer.WriteLine(string.Create(inv, $"created in {CreateSeconds:0.0} s ({TicketsCreatedPerSecond:0} tickets/s, each created and dispatched to a bureau)"));
        if (Restart is { } r)
        {
            var whileDown = r.DueWhileDownLateness is { } d ? string.Create(inv, $", their max lateness {d.WallMaxSeconds:0.0} s wall") : "";
            writer.WriteLine(string.Create(inv, $"restart: whole cluster stopped at {r.AtWallSeconds:0.0} s after {r.EscalatedBeforeStop} escalations; down {r.DownSeconds:0.0} s (stop {r.StopSeconds:0.0} s, start {r.StartSeconds:0.0} s); {r.DueWhileDown} deadlines passed while down{whileDown}"));
        }
        writer.WriteLine($"escalations (grain state):   {State.EscalatedOnce}/{State.PastDeadline} exactly once; missing {State.Missing}, duplicated {State.Duplicated}, early {State.Early}, not due {State.NotDue}");
        writer.WriteLine($"escalations (ticket_events): {History.EscalatedOnce}/{History.PastDeadline} exactly once; missing {History.Missing}, duplicated {History.Duplicated}, early {History.Early}, not due {History.NotDue}");
        writer.WriteLine($"warnings: {Warned} tickets warned, {WarningsDuplicated} duplicated");
        var l = Lateness;
        writer.WriteLine(string.Create(inv, $"lateness wall s:   p50 {l.WallP50Seconds:0.000}  p99 {l.WallP99Seconds:0.000}  max {l.WallMaxSeconds:0.000}"));
        var p = Promptness;
        writer.WriteLine(string.Create(inv, $"lateness wall s, counted from the cluster's return for deadlines that passed while it was down: p50 {p.WallP50Seconds:0.000}  p99 {p.WallP99Seconds:0.000}  max {p.WallMaxSeconds:0.000}"));
        writer.WriteLine(string.Create(inv, $"lateness center s: p50 {l.CenterP50Seconds:0.0}  p99 {l.CenterP99Seconds:0.0}  max {l.CenterMaxSeconds:0.0} (business time max {l.BusinessMaxSeconds:0.0})"));
        writer.WriteLine(string.Create(inv, $"wall time {WallSeconds:0.0} s; {(Passed ? "PASSED" : "FAILED: " + string.Join("; ", Failures))}"));
    }
}
