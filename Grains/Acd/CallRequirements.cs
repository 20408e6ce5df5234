using System.Collections.Immutable;

namespace CallCenter.Acd;

/// <summary>
/// What a call needs of an agent after it has waited a while (ACD-2). Computed from the queue's
/// current relaxation steps at decision time, so a step changed while callers wait applies to them.
/// </summary>
public readonly record struct CallRequirements(int MaxMembershipLevel, ImmutableDictionary<string, int> MinimumSkills)
{
    public static CallRequirements For(QueueSettings settings, ImmutableDictionary<string, int> requiredSkills, TimeSpan waited)
    {
        var maxLevel = settings.BaseMembershipLevel;
        var reduction = 0;
        ImmutableHashSet<string>? dropped = null;
        foreach (var step in settings.Relaxation)
        {
            if (waited < step.After)
            {
                continue;
            }
            if (step.MaxMembershipLevel is { } level)
            {
                maxLevel = Math.Max(maxLevel, level);
            }
            reduction += step.ProficiencyReduction;
            if (!step.DroppedSkills.IsDefaultOrEmpty)
            {
                dropped = (dropped ?? ImmutableHashSet<string>.Empty).Union(step.DroppedSkills);
            }
        }
        if (reduction == 0 && dropped is null)
        {
            return new(maxLevel, requiredSkills);
        }
        var builder = ImmutableDictionary.CreateBuilder<string, int>();
        foreach (var (skill, minimum) in requiredSkills)
        {
            if (dropped?.Contains(skill) == true)
            {
                continue;
            }
            builder[skill] = Math.Max(1, minimum - reduction);
        }
        return new(maxLevel, builder.ToImmutable());
    }

    public bool Admits(int membershipLevel, ImmutableDictionary<string, int> agentSkills)
    {
        if (membershipLevel > MaxMembershipLevel)
        {
            return false;
        }
        foreach (var (skill, minimum) in MinimumSkills)
        {
            if (!agentSkills.TryGetValue(skill, out var proficiency) || proficiency < minimum)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Equal requirements by content: the same membership level and the same minimum per skill
    /// (the record's own equality compares the skill dictionaries by reference).
    /// </summary>
    public static readonly IEqualityComparer<CallRequirements> ByContent = new ContentComparer();

    /// <summary>Sum of the agent's proficiency in the required skills (best-skill-match).</summary>
    public int Match(ImmutableDictionary<string, int> agentSkills)
    {
        var score = 0;
        foreach (var skill in MinimumSkills.Keys)
        {
            score += agentSkills.GetValueOrDefault(skill);
        }
        return score;
    }

    private sealed class ContentComparer : IEqualityComparer<CallRequirements>
    {
        public bool Equals(CallRequirements x, CallRequirements y)
        {
            if (x.MaxMembershipLevel != y.MaxMembershipLevel || x.MinimumSkills.Count != y.MinimumSkills.Count)
            {
                return false;
            }
            foreach (var (skill, minimum) in x.MinimumSkills)
            {
                if (!y.MinimumSkills.TryGetValue(skill, out var other) || other != minimum)
                {
                    return false;
                }
            }
            return true;
        }

        public int GetHashCode(CallRequirements requirements)
        {
            // Order-independent: the same skills hash alike in any dictionary.
            var hash = requirements.MaxMembershipLevel * 397 ^ requirements.MinimumSkills.Count;
            foreach (var (skill, minimum) in requirements.MinimumSkills)
            {
                hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(skill), minimum);
            }
            return hash;
        }
    }
}

/// <summary>
/// The documented rule by which an agent that belongs to several queues chooses among the calls
/// they offer it: higher call priority first, then the queue where the agent has the better
/// (lower) membership level, then the longest-waiting call, then the queue id — deterministic.
/// </summary>
public static class CrossQueueRule
{
    public static int Compare(OfferCandidate a, OfferCandidate b)
    {
        var c = b.Priority.CompareTo(a.Priority);
        if (c != 0) return c;
        c = a.MembershipLevel.CompareTo(b.MembershipLevel);
        if (c != 0) return c;
        c = a.FirstArrival.CompareTo(b.FirstArrival);
        if (c != 0) return c;
        return string.CompareOrdinal(a.QueueId, b.QueueId);
    }

    public static OfferCandidate? Best(IEnumerable<OfferCandidate?> candidates)
    {
        OfferCandidate? best = null;
        foreach (var candidate in candidates)
        {
            if (candidate is not null && (best is null || Compare(candidate, best) < 0))
            {
                best = candidate;
            }
        }
        return best;
    }
}
