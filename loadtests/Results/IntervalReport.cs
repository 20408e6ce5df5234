using CallCenter.Calls;

namespace CallCenter.LoadTests.Results;

/// <summary>One reporting interval (calls counted by the interval they arrived in; busy time where it fell).</summary>
public sealed record IntervalFigures(
    double StartSeconds,
    double EndSeconds,
    long Offered,
    long Answered,
    long Abandoned,
    long OtherOutcomes,
    /// <summary>Answered within the threshold / (answered + abandoned after it), as PeriodCounters; 1 when nothing counts.</summary>
    double ServiceLevel,
    double AsaSeconds,
    /// <summary>Agents' talk, hold and wrap-up time in the interval / (agents × interval length).</summary>
    double Occupancy);

/// <summary>Answered calls by how long they waited: [FromSeconds, ToSeconds), the last bucket open-ended.</summary>
public sealed record WaitBucket(double FromSeconds, double? ToSeconds, long Calls);

/// <summary>What the interval report needs of one ended call; times are scenario seconds from the run's start.</summary>
public readonly record struct CallFacts(
    double ArrivalSeconds,
    CallOutcome Outcome,
    bool Answered,
    double WaitSeconds,
    double ServiceLevelSeconds,
    double AnsweredAtSeconds,
    double BusySeconds);

/// <summary>
/// Folds ended calls into fixed-length intervals (offered / answered / abandoned, service level,
/// ASA, occupancy) and a wait-time histogram. Built once at the end of a run from the call table,
/// so nothing is added to the hot path.
/// </summary>
public sealed class IntervalAccumulator
{
    /// <summary>Bucket edges (seconds) of the wait histogram; the last bucket is everything above the last edge.</summary>
    public static readonly double[] WaitEdges = [0, 5, 10, 20, 30, 60, 120, 300];

    private readonly double _intervalSeconds;
    private readonly int _agents;
    private readonly long[] _offered, _answered, _abandoned, _other, _withinThreshold, _abandonedAfterThreshold;
    private readonly double[] _waitSum, _busySeconds;
    private readonly long[] _waitBuckets = new long[WaitEdges.Length];

    public IntervalAccumulator(double intervalSeconds, double spanSeconds, int agents)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(spanSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(agents);
        _intervalSeconds = intervalSeconds;
        _agents = agents;
        var count = Math.Max(1, (int)Math.Ceiling(spanSeconds / intervalSeconds));
        _offered = new long[count];
        _answered = new long[count];
        _abandoned = new long[count];
        _other = new long[count];
        _withinThreshold = new long[count];
        _abandonedAfterThreshold = new long[count];
        _waitSum = new double[count];
        _busySeconds = new double[count];
    }

    public int Count => _offered.Length;

    /// <summary>Half hours for a run of six hours or more (a day's profile), else about 30 intervals of whole minutes.</summary>
    public static double ChooseInterval(double durationSeconds) =>
        durationSeconds >= 6 * 3600 ? 1800 : Math.Max(60, Math.Round(durationSeconds / 30 / 60) * 60);

    public void Add(in CallFacts call)
    {
        var i = Index(call.ArrivalSeconds);
        _offered[i]++;
        if (call.Answered)
        {
            _answered[i]++;
            _waitSum[i] += call.WaitSeconds;
            if (call.WaitSeconds <= call.ServiceLevelSeconds)
            {
                _withinThreshold[i]++;
            }
            _waitBuckets[WaitBucketOf(call.WaitSeconds)]++;
            AddBusy(call.AnsweredAtSeconds, call.BusySeconds);
        }
        else if (call.Outcome == CallOutcome.Abandoned)
        {
            _abandoned[i]++;
            if (call.WaitSeconds > call.ServiceLevelSeconds)
            {
                _abandonedAfterThreshold[i]++;
            }
        }
        else
        {
            _other[i]++;
        }
    }

    public IReadOnlyList<IntervalFigures> Intervals() =>
    [
        .. Enumerable.Range(0, Count).Select(i =>
        {
            var counted = _answered[i] + _abandonedAfterThreshold[i];
            var capacity = _agents * _intervalSeconds;
            return new IntervalFigures(
                i * _intervalSeconds,
                (i + 1) * _intervalSeconds,
                _offered[i],
                _answered[i],
                _abandoned[i],
                _other[i],
                counted == 0 ? 1 : (double)_withinThreshold[i] / counted,
                _answered[i] == 0 ? 0 : _waitSum[i] / _answered[i],
                capacity == 0 ? 0 : Math.Min(1, _busySeconds[i] / capacity));
        }),
    ];

    public IReadOnlyList<WaitBucket> WaitDistribution() =>
    [
        .. WaitEdges.Select((from, b) => new WaitBucket(from, b + 1 < WaitEdges.Length ? WaitEdges[b + 1] : null, _waitBuckets[b])),
    ];

    private int Index(double seconds) => Math.Clamp((int)Math.Floor(seconds / _intervalSeconds), 0, Count - 1);

    private static int WaitBucketOf(double wait)
    {
        for (var b = WaitEdges.Length - 1; b > 0; b--)
        {
            if (wait >= WaitEdges[b])
            {
                return b;
            }
        }
        return 0;
    }

    /// <summary>Spreads one agent's busy span over the intervals it covers (time past the last interval is dropped).</summary>
    private void AddBusy(double from, double seconds)
    {
        var to = from + seconds;
        var t = Math.Max(0, from);
        while (t < to)
        {
            var i = (int)Math.Floor(t / _intervalSeconds);
            if (i >= Count)
            {
                return;
            }
            var end = Math.Min(to, (i + 1) * _intervalSeconds);
            _busySeconds[i] += end - t;
            t = end;
        }
    }
}
