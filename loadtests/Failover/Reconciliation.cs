using CallCenter.Calls;

namespace CallCenter.LoadTests.Failover;

/// <summary>What became of a call's start, as the driver saw it.</summary>
public enum StartStatus
{
    /// <summary>Start returned accepted: the call entered a queue.</summary>
    Accepted,
    /// <summary>Start returned not accepted: the call ended at once (rejected or failed) with its record.</summary>
    Rejected,
    /// <summary>Every Start attempt threw; the center may or may not know the call.</summary>
    Unconfirmed,
}

/// <summary>Everything the driver learnt about one call it placed.</summary>
public sealed record CallObservation(
    string CallId,
    StartStatus Start,
    IReadOnlyList<CallOutcome> Notified,
    CallOutcome? KeepAliveOutcome = null,
    bool ReportedGone = false);

/// <summary>One row of call_detail_records (outcome as stored: the enum's name).</summary>
public sealed record CdrRow(string CallId, string Outcome);

public enum ProblemKind
{
    /// <summary>The call never got a terminal outcome the driver could see.</summary>
    NoOutcome,
    /// <summary>The call ended but has no row in call_detail_records.</summary>
    NoCdr,
    /// <summary>No Start attempt ever returned and there is no record of the call.</summary>
    StartNeverConfirmed,
    /// <summary>The call was reported ended with two different outcomes.</summary>
    ConflictingOutcomes,
    /// <summary>The stored record's outcome is not the one the caller was told.</summary>
    CdrOutcomeMismatch,
    /// <summary>More than one row for the call.</summary>
    DuplicateCdrRows,
    /// <summary>A row for a call id this run never placed.</summary>
    UnknownCdr,
}

public sealed record CallProblem(string CallId, ProblemKind Kind, string Detail);

/// <summary>The run's books: every call that entered has exactly one terminal outcome and exactly one record.</summary>
public sealed record ReconciliationResult
{
    /// <summary>Calls whose Start was accepted.</summary>
    public int Offered { get; init; }
    /// <summary>Calls whose Start returned not accepted (they end at once, with a record).</summary>
    public int Rejected { get; init; }
    /// <summary>Calls whose Start never returned; counted as entered when a record shows the center had them.</summary>
    public int StartUnconfirmed { get; init; }
    /// <summary>Calls that entered and reached a terminal outcome (told, seen in a keep-alive, or gone with a record).</summary>
    public int Completed { get; init; }
    /// <summary>Rows in call_detail_records for this run's calls.</summary>
    public int CdrRows { get; init; }
    public int Lost { get; init; }
    public int Duplicated { get; init; }
    /// <summary>Calls told CallEnded more than once with the same outcome (harmless, for information).</summary>
    public int RepeatedNotifications { get; init; }
    /// <summary>Calls whose end the driver learnt only from a keep-alive (notification lost).</summary>
    public int EndedWithoutNotification { get; init; }
    /// <summary>Final outcome per call: the record's when there is one, else what the driver was told.</summary>
    public IReadOnlyDictionary<string, int> Outcomes { get; init; } = new Dictionary<string, int>();
    public IReadOnlyList<CallProblem> Problems { get; init; } = [];

    public int Abandoned => Outcomes.TryGetValue(nameof(CallOutcome.Abandoned), out var n) ? n : 0;
}

public static class Reconciliation
{
    /// <summary>
    /// Classifies each call. Lost: a call that entered (accepted, rejected, or unconfirmed but
    /// recorded) without a terminal outcome or without a record, and an unconfirmed call with no
    /// record (a caller the center never acknowledged). Duplicated: a call told two different
    /// outcomes, a record whose outcome differs from the one told, more than one row for a call,
    /// and a row for a call this run never placed. A call is counted once in each figure.
    /// </summary>
    public static ReconciliationResult Reconcile(IEnumerable<CallObservation> calls, IEnumerable<CdrRow> rows)
    {
        var rowsById = new Dictionary<string, List<CdrRow>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!rowsById.TryGetValue(row.CallId, out var list))
            {
                rowsById[row.CallId] = list = [];
            }
            list.Add(row);
        }

        var problems = new List<CallProblem>();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        int offered = 0, rejected = 0, unconfirmed = 0, completed = 0, cdrRows = 0, lost = 0, duplicated = 0, repeated = 0, silentEnds = 0;
        foreach (var call in calls)
        {
            if (!placed.Add(call.CallId))
            {
                throw new ArgumentException($"call {call.CallId} is observed twice", nameof(calls));
            }
            rowsById.TryGetValue(call.CallId, out var callRows);
            var rowCount = callRows?.Count ?? 0;
            cdrRows += rowCount;
            switch (call.Start)
            {
                case StartStatus.Accepted:
                    offered++;
                    break;
                case StartStatus.Rejected:
                    rejected++;
                    break;
                default:
                    unconfirmed++;
                    if (rowCount == 0 && call.Notified.Count == 0 && call.KeepAliveOutcome is null)
                    {
                        lost++;
                        problems.Add(new(call.CallId, ProblemKind.StartNeverConfirmed, "every Start attempt failed and the call has no record"));
                        continue;
                    }
                    break;
            }

            var told = call.Notified.Distinct().ToList();
            if (call.KeepAliveOutcome is { } seen && !told.Contains(seen))
            {
                told.Add(seen);
            }
            var hasOutcome = told.Count > 0 || (call.ReportedGone && rowCount > 0) || (call.Start == StartStatus.Unconfirmed && rowCount > 0);
            if (call.Notified.Count > call.Notified.Distinct().Count())
            {
                repeated++;
            }
            if (call.Notified.Count == 0 && (call.KeepAliveOutcome is not null || call.ReportedGone))
            {
                silentEnds++;
            }

            var isLost = false;
            if (!hasOutcome)
            {
                isLost = true;
                problems.Add(new(call.CallId, ProblemKind.NoOutcome,
                    call.ReportedGone ? "keep-alive reported the call gone, but there is no record" : "never reported ended"));
            }
            else if (rowCount == 0)
            {
                isLost = true;
                problems.Add(new(call.CallId, ProblemKind.NoCdr, $"ended {string.Join("/", told)} but has no row in call_detail_records"));
            }
            if (isLost)
            {
                lost++;
            }
            else
            {
                completed++;
            }

            var isDuplicated = false;
            if (told.Count > 1)
            {
                isDuplicated = true;
                problems.Add(new(call.CallId, ProblemKind.ConflictingOutcomes, $"told {string.Join(", ", call.Notified)}{(call.KeepAliveOutcome is { } k ? $"; keep-alive saw {k}" : "")}"));
            }
            if (rowCount > 1)
            {
                isDuplicated = true;
                problems.Add(new(call.CallId, ProblemKind.DuplicateCdrRows, $"{rowCount} rows: {string.Join(", ", callRows!.Select(r => r.Outcome))}"));
            }
            if (rowCount > 0 && told.Count > 0)
            {
                var recorded = callRows!.Select(r => r.Outcome).Distinct(StringComparer.Ordinal).ToList();
                var mismatch = recorded.Where(r => !told.Any(t => t.ToString() == r)).ToList();
                if (mismatch.Count > 0)
                {
                    isDuplicated = true;
                    problems.Add(new(call.CallId, ProblemKind.CdrOutcomeMismatch, $"told {string.Join("/", told)}, recorded {string.Join("/", recorded)}"));
                }
            }
            if (isDuplicated)
            {
                duplicated++;
            }

            var final = rowCount > 0 ? callRows![0].Outcome : told.Count > 0 ? told[0].ToString() : null;
            if (final is not null)
            {
                outcomes[final] = outcomes.GetValueOrDefault(final) + 1;
            }
        }

        foreach (var (callId, foreign) in rowsById)
        {
            if (!placed.Contains(callId))
            {
                duplicated++;
                problems.Add(new(callId, ProblemKind.UnknownCdr, $"{foreign.Count} row(s) ({string.Join(", ", foreign.Select(r => r.Outcome))}) for a call this run never placed"));
            }
        }

        return new ReconciliationResult
        {
            Offered = offered,
            Rejected = rejected,
            StartUnconfirmed = unconfirmed,
            Completed = completed,
            CdrRows = cdrRows,
            Lost = lost,
            Duplicated = duplicated,
            RepeatedNotifications = repeated,
            EndedWithoutNotification = silentEnds,
            Outcomes = outcomes,
            Problems = problems,
        };
    }
}
