using System.Collections.Immutable;
using CallCenter.Calls;
using CallCenter.Stats;

namespace CallCenter.Acd;

/// <summary>
/// The decisions of one queue, without Orleans: which call an agent gets, which agent a call
/// gets, when a call relaxes, overflows or reaches its maximum wait. The grain feeds it events
/// and sends the <see cref="QueueEffect"/>s it produces. Every operation is O(log n) in the
/// common case (no skills); skill checks scan only until the first match.
/// </summary>
public sealed class QueueCore
{
    /// <summary>How long past the ring timeout a reservation may stay unanswered before the queue reclaims the call
    /// (the agent's own ring timer normally fires first; this covers an agent whose silo died).</summary>
    public static readonly TimeSpan ReservationGrace = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _calls = new(StringComparer.Ordinal);
    private readonly SortedSet<Entry> _waiting = new(EntryOrder.Instance);
    // How many waiting calls need each set of skills: lets a matching pass stop once every kind of
    // waiting call is known to be out of the ready agents' reach. Kept only by AddWaiting and RemoveWaiting.
    private readonly Dictionary<ImmutableDictionary<string, int>, int> _waitingBySkills = new(SkillsByContent.Instance);
    private readonly PriorityQueue<Check, DateTimeOffset> _checks = new();
    private readonly List<QueueEffect> _effects = [];
    private readonly PeriodCounter _counters = new();
    private readonly Random _random;
    private SortedSet<Member> _ready;
    private long _offerSequence;
    private long _roundRobinSequence;

    public QueueCore(QueueSettings settings, int seed = 0)
    {
        Settings = settings;
        _random = new Random(seed);
        _ready = new SortedSet<Member>(ReadyOrder.For(settings.Strategy));
    }

    public QueueSettings Settings { get; private set; }
    public string QueueId => Settings.Id;
    public int WaitingCount => _waiting.Count;
    public int CallCount => _calls.Count;
    public int ReadyCount => _ready.Count;
    public int MemberCount => _members.Count;

    /// <summary>
    /// How many times a ready agent has been checked against a call's requirements since the queue
    /// was created: the work matching costs, for tests that bound it as the waiting list grows.
    /// </summary>
    internal long AgentChecks { get; private set; }
    public IEnumerable<string> MemberIds => _members.Keys;
    public IReadOnlyCollection<Entry> Calls => _calls.Values;

    /// <summary>Effects produced since the last call; the caller sends them in order.</summary>
    public IReadOnlyList<QueueEffect> DrainEffects()
    {
        var drained = _effects.ToArray();
        _effects.Clear();
        return drained;
    }

    public void Configure(QueueSettings settings, DateTimeOffset now)
    {
        if (settings.Id != Settings.Id)
        {
            throw new ArgumentException($"Settings for queue '{settings.Id}' given to queue '{Settings.Id}'.", nameof(settings));
        }
        var strategyChanged = settings.Strategy != Settings.Strategy;
        Settings = settings;
        if (strategyChanged)
        {
            _ready = new SortedSet<Member>(_ready, ReadyOrder.For(settings.Strategy));
        }
        _checks.Clear();
        foreach (var entry in _calls.Values)
        {
            ScheduleChecks(entry);
            foreach (var held in entry.Offers.Values)
            {
                _checks.Enqueue(new Check(CheckKind.ReservationGuard, entry.Call.CallId, held.Offer.OfferId), held.Offer.OfferedAt + held.Offer.RingTimeout + ReservationGrace);
            }
        }
        Dispatch(now);
    }

    // ---- membership -------------------------------------------------------------------------

    public void Join(AgentMembership membership, DateTimeOffset now)
    {
        if (_members.TryGetValue(membership.AgentId, out var existing))
        {
            Reindex(existing, m =>
            {
                m.Level = membership.Level;
                m.Skills = membership.Skills;
            });
        }
        else
        {
            _members[membership.AgentId] = new Member(membership.AgentId)
            {
                Level = membership.Level,
                Skills = membership.Skills,
            };
        }
        Dispatch(now);
    }

    public void Leave(string agentId)
    {
        if (_members.Remove(agentId, out var member))
        {
            Reindex(member, m => m.Availability = null);
        }
    }

    public bool IsMember(string agentId) => _members.ContainsKey(agentId);

    /// <summary>Whether the queue holds this call (waiting or being offered).</summary>
    public bool Contains(string callId) => _calls.ContainsKey(callId);

    internal Member? FindMember(string agentId) => _members.GetValueOrDefault(agentId);

    // ---- calls -------------------------------------------------------------------------------

    public EnqueueResult Enqueue(QueuedCall call, DateTimeOffset now)
    {
        if (_calls.ContainsKey(call.CallId))
        {
            // A retried enqueue of a call we hold already: idempotent.
            return new EnqueueResult(_calls[call.CallId].Offers.Count > 0 ? EnqueueStatus.Offered : EnqueueStatus.Waiting);
        }
        _counters.Add(now, c => c with { Offered = c.Offered + 1 });
        var fullyRelaxed = CallRequirements.For(Settings, call.RequiredSkills, TimeSpan.MaxValue);
        foreach (var rule in Settings.Overflow)
        {
            var applies = rule.Condition switch
            {
                OverflowCondition.NoAgentsLoggedIn => !_members.Values.Any(m => fullyRelaxed.Admits(m.Level, m.Skills)),
                OverflowCondition.AllBusy => !AnyReadyAdmits(CallRequirements.For(Settings, call.RequiredSkills, TimeSpan.Zero)),
                _ => false,
            };
            if (applies)
            {
                _counters.Add(now, c => c with { OverflowedOut = c.OverflowedOut + 1 });
                return new EnqueueResult(EnqueueStatus.Overflowed, rule.TargetQueue,
                    rule.Condition == OverflowCondition.NoAgentsLoggedIn ? "no eligible agent logged in" : "all eligible agents busy");
            }
        }
        var entry = new Entry(call, now);
        _calls.Add(call.CallId, entry);
        AddWaiting(entry);
        ScheduleChecks(entry);
        Dispatch(now, onEntry: entry);
        return new EnqueueResult(entry.Offers.Count > 0 ? EnqueueStatus.Offered : EnqueueStatus.Waiting);
    }

    /// <summary>The caller left the queue (abandon, callback, voicemail).</summary>
    public void Withdraw(string callId, CallOutcome outcome, DateTimeOffset now)
    {
        if (!_calls.TryGetValue(callId, out var entry))
        {
            return;
        }
        Remove(entry);
        var waited = now - entry.EnteredAt;
        var withinThreshold = waited <= Settings.ServiceLevelThreshold;
        _counters.Add(now, c => outcome == CallOutcome.Abandoned
            ? c with { Abandoned = c.Abandoned + 1, AbandonedWithinThreshold = c.AbandonedWithinThreshold + (withinThreshold ? 1 : 0) }
            : c with { OtherOutcomes = c.OtherOutcomes + 1 });
    }

    /// <summary>The call grain accepted <paramref name="agentId"/>'s answer.</summary>
    public void Answered(string callId, string agentId, DateTimeOffset at)
    {
        if (!_calls.TryGetValue(callId, out var entry))
        {
            return;
        }
        entry.Offers.Remove(agentId);
        Remove(entry);
        var waited = at - entry.EnteredAt;
        if (waited < TimeSpan.Zero) waited = TimeSpan.Zero;
        var within = waited <= Settings.ServiceLevelThreshold;
        _counters.Add(at, c => c with
        {
            Answered = c.Answered + 1,
            AnsweredWithinThreshold = c.AnsweredWithinThreshold + (within ? 1 : 0),
            TotalAnswerWaitSeconds = c.TotalAnswerWaitSeconds + waited.TotalSeconds,
        });
    }

    public void Handled(HandledCall handled, DateTimeOffset now) =>
        _counters.Add(now, c => c with
        {
            Handled = c.Handled + 1,
            TotalHandleSeconds = c.TotalHandleSeconds + (handled.Talk + handled.Hold + handled.WrapUp).TotalSeconds,
        });

    // ---- agents ------------------------------------------------------------------------------

    /// <summary>The agent's reply to a reservation request.</summary>
    public void ReservationResult(Offer offer, bool accepted, long agentEpoch, DateTimeOffset now)
    {
        var member = _members.GetValueOrDefault(offer.AgentId);
        if (member is not null && member.PendingOfferId == offer.OfferId)
        {
            Reindex(member, m => m.PendingOfferId = null);
        }
        var current = _calls.TryGetValue(offer.CallId, out var entry)
            && entry.Offers.TryGetValue(offer.AgentId, out var held) && held.Offer.OfferId == offer.OfferId;
        if (!current)
        {
            if (accepted)
            {
                // The call left (answered elsewhere, abandoned, overflowed) while the request travelled.
                _effects.Add(new QueueEffect.CancelOffer(offer.AgentId, offer.CallId, offer.OfferId));
            }
            else if (member is not null)
            {
                MakeUnavailable(member, agentEpoch);
            }
            // The agent's pending mark is gone, so it may be free for another call.
            Dispatch(now);
            return;
        }
        if (accepted)
        {
            if (member is not null)
            {
                // Busy as of the epoch it accepted in; a newer "ready" that overtook this reply stands.
                MakeUnavailable(member, agentEpoch);
            }
            entry!.Offers[offer.AgentId].Ringing = true;
            _effects.Add(new QueueEffect.CallOffered(offer.CallId, offer.AgentId, offer.OfferedAt));
            // Clearing the pending mark may have filed a newer "ready" from this agent.
            Dispatch(now);
            return;
        }
        if (member is not null)
        {
            MakeUnavailable(member, agentEpoch);
        }
        DropOffer(entry!, offer.AgentId, now);
        Dispatch(now);
    }

    /// <summary>The agent gave the offer up (ring-no-answer, decline): the call goes back to its place.</summary>
    public void OfferFailed(string callId, string agentId, long offerId, long agentEpoch, DateTimeOffset now)
    {
        if (_members.TryGetValue(agentId, out var member))
        {
            // Dated by the agent: news older than the agent's latest "ready" changes nothing.
            MakeUnavailable(member, agentEpoch);
        }
        if (_calls.TryGetValue(callId, out var entry) && entry.Offers.TryGetValue(agentId, out var held) && held.Offer.OfferId == offerId)
        {
            DropOffer(entry, agentId, now);
        }
        Dispatch(now);
    }

    /// <summary>A ready agent that took no call: index it for future calls.</summary>
    public void AgentReady(AgentAvailability availability, DateTimeOffset now)
    {
        if (!_members.TryGetValue(availability.AgentId, out var member) || availability.Epoch <= member.UnavailableEpoch)
        {
            return;
        }
        if (member.Availability is { } known && known.Epoch > availability.Epoch)
        {
            return;
        }
        Reindex(member, m =>
        {
            m.Availability = availability;
            m.RandomKey = _random.Next();
        });
        Dispatch(now);
    }

    public void AgentUnavailable(string agentId, long epoch)
    {
        if (_members.TryGetValue(agentId, out var member))
        {
            MakeUnavailable(member, epoch);
        }
    }

    /// <summary>The best waiting call for an agent that has just become free, reserved for it at once.</summary>
    public Offer? ClaimBest(AgentAvailability agent, DateTimeOffset now)
    {
        var entry = BestCallFor(agent, now, out _);
        return entry is null ? null : ClaimFor(entry, agent, now);
    }

    public OfferCandidate? Peek(AgentAvailability agent, DateTimeOffset now)
    {
        var entry = BestCallFor(agent, now, out var level);
        return entry is null ? null
            : new OfferCandidate(QueueId, entry.Call.CallId, entry.Call.Priority, entry.Call.FirstArrival, level);
    }

    public Offer? Claim(AgentAvailability agent, string callId, DateTimeOffset now)
    {
        if (!_calls.TryGetValue(callId, out var entry) || entry.Offers.Count > 0 || !_members.TryGetValue(agent.AgentId, out var member))
        {
            return null;
        }
        var requirements = CallRequirements.For(Settings, entry.Call.RequiredSkills, now - entry.EnteredAt);
        return requirements.Admits(member.Level, agent.Skills) ? ClaimFor(entry, agent, now) : null;
    }

    // ---- time --------------------------------------------------------------------------------

    /// <summary>When <see cref="Tick"/> next has something to do.</summary>
    public DateTimeOffset? NextDue => _checks.TryPeek(out _, out var due) ? due : null;

    public void Tick(DateTimeOffset now)
    {
        var relaxed = false;
        while (_checks.TryPeek(out var check, out var due) && due <= now)
        {
            _checks.Dequeue();
            if (!_calls.TryGetValue(check.CallId, out var entry))
            {
                continue;
            }
            switch (check.Kind)
            {
                case CheckKind.Relaxation:
                    relaxed = true;
                    break;
                case CheckKind.Overflow or CheckKind.MaxWait when entry.Offers.Count > 0:
                    // Never move or end a call while an agent holds an offer for it (one call, one
                    // agent); if the offer fails, DropOffer applies whatever became due meanwhile.
                    break;
                case CheckKind.Overflow:
                case CheckKind.MaxWait:
                    ApplyDueWaitRules(entry, now);
                    break;
                case CheckKind.ReservationGuard:
                    foreach (var (agentId, held) in entry.Offers.ToArray())
                    {
                        if (held.Offer.OfferId == check.OfferId)
                        {
                            if (_members.TryGetValue(agentId, out var member))
                            {
                                Reindex(member, m => m.PendingOfferId = m.PendingOfferId == held.Offer.OfferId ? null : m.PendingOfferId);
                                MakeUnavailable(member, held.Epoch);
                            }
                            _effects.Add(new QueueEffect.CancelOffer(agentId, entry.Call.CallId, held.Offer.OfferId));
                            DropOffer(entry, agentId, now);
                        }
                    }
                    relaxed = true;
                    break;
            }
        }
        if (relaxed)
        {
            Dispatch(now);
        }
    }

    // ---- statistics --------------------------------------------------------------------------

    /// <summary>Default handle time for the estimate before the queue has handled a call today.</summary>
    public static readonly TimeSpan AssumedHandleTime = TimeSpan.FromMinutes(3);

    public QueuePosition? PositionOf(string callId, DateTimeOffset now)
    {
        if (!_calls.TryGetValue(callId, out var entry) || !_waiting.Contains(entry))
        {
            return null;
        }
        var position = _waiting.GetViewBetween(_waiting.Min!, entry).Count;
        _counters.Roll(now);
        var handle = _counters.Today.Handled > 0 ? TimeSpan.FromSeconds(_counters.Today.AverageHandleTimeSeconds) : AssumedHandleTime;
        var expected = _ready.Count > 0 ? TimeSpan.Zero : handle * position / Math.Max(1, _members.Count);
        return new QueuePosition(position, _waiting.Count, expected);
    }

    /// <summary>The first <paramref name="limit"/> waiting calls in offer order (position 1 = next).</summary>
    public IReadOnlyList<WaitingCall> WaitingCalls(string queueId, DateTimeOffset now, int limit)
    {
        var list = new List<WaitingCall>(Math.Min(limit, _waiting.Count));
        foreach (var entry in _waiting)
        {
            if (list.Count == limit)
            {
                break;
            }
            var call = entry.Call;
            list.Add(new WaitingCall(call.CallId, queueId, list.Count + 1, call.Priority, call.CallerNumber, call.CallerRegion,
                call.FirstArrival, entry.EnteredAt, now - call.FirstArrival));
        }
        return list;
    }

    public QueueStatistics Statistics(DateTimeOffset now)
    {
        _counters.Roll(now);
        var oldest = _calls.Count == 0 ? TimeSpan.Zero : now - _calls.Values.Min(e => e.EnteredAt);
        return new QueueStatistics
        {
            QueueId = QueueId,
            Region = Settings.Region,
            At = now,
            CallsWaiting = _calls.Count,
            CallsRinging = _calls.Values.Count(e => e.Offers.Values.Any(h => h.Ringing)),
            OldestWaitSeconds = Math.Max(0, oldest.TotalSeconds),
            AgentsReady = _ready.Count,
            AgentsLoggedIn = _members.Count,
            ServiceLevelThresholdSeconds = Settings.ServiceLevelThreshold.TotalSeconds,
            Interval = _counters.Interval,
            Today = _counters.Today,
        };
    }

    // ---- internals ---------------------------------------------------------------------------

    private bool AnyReadyAdmits(CallRequirements requirements)
    {
        foreach (var member in _ready)
        {
            if (requirements.Admits(member.Level, member.Skills))
            {
                return true;
            }
        }
        return false;
    }

    private Entry? BestCallFor(AgentAvailability agent, DateTimeOffset now, out int level)
    {
        level = 0;
        if (!_members.TryGetValue(agent.AgentId, out var member))
        {
            return null;
        }
        level = member.Level;
        // The agent is asking, so it is not in our ready index until it says it is ready.
        MakeUnavailable(member, agent.Epoch);
        // As in Dispatch: a kind of call this agent cannot take is checked once, and without
        // relaxation the walk stops when every kind of waiting call has been turned down.
        HashSet<CallRequirements>? unmet = null;
        foreach (var entry in _waiting)
        {
            var requirements = CallRequirements.For(Settings, entry.Call.RequiredSkills, now - entry.EnteredAt);
            if (unmet is not null && unmet.Contains(requirements))
            {
                continue;
            }
            AgentChecks++;
            if (requirements.Admits(member.Level, agent.Skills))
            {
                return entry;
            }
            (unmet ??= new HashSet<CallRequirements>(CallRequirements.ByContent)).Add(requirements);
            if (Settings.Relaxation.IsDefaultOrEmpty && unmet.Count >= _waitingBySkills.Count)
            {
                break;
            }
        }
        return null;
    }

    private Offer ClaimFor(Entry entry, AgentAvailability agent, DateTimeOffset now)
    {
        var offer = NewOffer(entry, agent.AgentId, now, onEntry: false, ringAll: false);
        if (_members.TryGetValue(agent.AgentId, out var member))
        {
            Reindex(member, m => m.LastOfferSequence = ++_roundRobinSequence);
        }
        RemoveWaiting(entry);
        entry.Offers[agent.AgentId] = new HeldOffer(offer, agent.Epoch) { Ringing = true };
        _checks.Enqueue(new Check(CheckKind.ReservationGuard, entry.Call.CallId, offer.OfferId), now + offer.RingTimeout + ReservationGrace);
        _effects.Add(new QueueEffect.CallOffered(entry.Call.CallId, agent.AgentId, now));
        return offer;
    }

    /// <summary>
    /// Matches waiting calls, best first, with ready agents by the queue's strategy until no pair
    /// is left (work conservation, invariant 4). Ring-all reserves several agents for one call.
    /// </summary>
    private void Dispatch(DateTimeOffset now, Entry? onEntry = null)
    {
        if (_ready.Count == 0 || _waiting.Count == 0)
        {
            return;
        }
        List<Entry>? matched = null;
        // Requirements no ready agent met in this pass. The ready set only shrinks while the pass
        // runs, so a later call with the same requirements cannot be met either: skip it without
        // walking the ready agents again. Without this, a long waiting list of calls that the ready
        // agents cannot take (a skill they lack) costs waiting × ready checks on every event.
        HashSet<CallRequirements>? unmet = null;
        foreach (var entry in _waiting)
        {
            if (_ready.Count == 0)
            {
                break;
            }
            var requirements = CallRequirements.For(Settings, entry.Call.RequiredSkills, now - entry.EnteredAt);
            if (unmet is not null && unmet.Contains(requirements))
            {
                continue;
            }
            var ringAll = Settings.Strategy == RoutingStrategy.RingAll;
            var limit = ringAll ? Math.Max(1, Settings.RingAllLimit) : 1;
            var chosen = PickAgents(requirements, limit);
            if (chosen.Count == 0)
            {
                (unmet ??= new HashSet<CallRequirements>(CallRequirements.ByContent)).Add(requirements);
                // Without relaxation a call's requirements are its skills alone: once every kind of
                // waiting call has gone unmet, no later call can be met.
                if (Settings.Relaxation.IsDefaultOrEmpty && unmet.Count >= _waitingBySkills.Count)
                {
                    break;
                }
                continue;
            }
            foreach (var member in chosen)
            {
                var offer = NewOffer(entry, member.AgentId, now, onEntry: ReferenceEquals(entry, onEntry), ringAll);
                var epoch = member.Availability!.Epoch;
                Reindex(member, m =>
                {
                    m.PendingOfferId = offer.OfferId;
                    m.LastOfferSequence = ++_roundRobinSequence;
                });
                entry.Offers[member.AgentId] = new HeldOffer(offer, epoch);
                _checks.Enqueue(new Check(CheckKind.ReservationGuard, entry.Call.CallId, offer.OfferId), now + offer.RingTimeout + ReservationGrace);
                _effects.Add(new QueueEffect.ReserveAgent(offer));
            }
            (matched ??= []).Add(entry);
        }
        if (matched is not null)
        {
            foreach (var entry in matched)
            {
                RemoveWaiting(entry);
            }
        }
    }

    private List<Member> PickAgents(CallRequirements requirements, int limit)
    {
        var chosen = new List<Member>(1);
        if (Settings.Strategy == RoutingStrategy.BestSkillMatch && !requirements.MinimumSkills.IsEmpty)
        {
            Member? best = null;
            var bestScore = -1;
            foreach (var member in _ready)
            {
                AgentChecks++;
                if (!requirements.Admits(member.Level, member.Skills)) continue;
                var score = requirements.Match(member.Skills);
                // _ready is in (level, longest idle) order, so the first best score wins ties.
                if (score > bestScore)
                {
                    best = member;
                    bestScore = score;
                }
            }
            if (best is not null) chosen.Add(best);
            return chosen;
        }
        foreach (var member in _ready)
        {
            AgentChecks++;
            if (requirements.Admits(member.Level, member.Skills))
            {
                chosen.Add(member);
                if (chosen.Count >= limit) break;
            }
        }
        return chosen;
    }

    private Offer NewOffer(Entry entry, string agentId, DateTimeOffset now, bool onEntry, bool ringAll) => new(
        entry.Call.CallId, QueueId, agentId, ++_offerSequence, now, Settings.RingTimeout, Settings.WrapUp,
        entry.Call.CallerNumber, entry.Call.Priority, onEntry, ringAll);

    private void DropOffer(Entry entry, string agentId, DateTimeOffset now)
    {
        entry.Offers.Remove(agentId);
        if (entry.Offers.Count == 0 && _calls.ContainsKey(entry.Call.CallId))
        {
            // Back to its place: the head of the queue for its priority, since it keeps its first arrival (ACD-5).
            AddWaiting(entry);
            ApplyDueWaitRules(entry, now);
        }
    }

    private void MakeUnavailable(Member member, long epoch)
    {
        Reindex(member, m =>
        {
            m.UnavailableEpoch = Math.Max(m.UnavailableEpoch, epoch);
            if (m.Availability is { } known && known.Epoch <= m.UnavailableEpoch)
            {
                m.Availability = null;
            }
        });
    }

    /// <summary>Files a call in the waiting list and counts its kind (its required skills).</summary>
    private void AddWaiting(Entry entry)
    {
        if (_waiting.Add(entry))
        {
            var skills = entry.Call.RequiredSkills;
            _waitingBySkills[skills] = _waitingBySkills.GetValueOrDefault(skills) + 1;
        }
    }

    /// <summary>Takes a call out of the waiting list and uncounts its kind.</summary>
    private void RemoveWaiting(Entry entry)
    {
        if (_waiting.Remove(entry))
        {
            var skills = entry.Call.RequiredSkills;
            var left = _waitingBySkills[skills] - 1;
            if (left == 0)
            {
                _waitingBySkills.Remove(skills);
            }
            else
            {
                _waitingBySkills[skills] = left;
            }
        }
    }

    /// <summary>
    /// Changes a member and files it again: it is in the ready index exactly when it has fresh
    /// availability and no reservation in flight. Fields the index sorts by change only here.
    /// </summary>
    private void Reindex(Member member, Action<Member> change)
    {
        if (member.Indexed)
        {
            _ready.Remove(member);
            member.Indexed = false;
        }
        change(member);
        if (member.Availability is not null && member.PendingOfferId is null)
        {
            member.Indexed = _ready.Add(member);
        }
    }

    private void Remove(Entry entry)
    {
        _calls.Remove(entry.Call.CallId);
        RemoveWaiting(entry);
        foreach (var (agentId, held) in entry.Offers)
        {
            _effects.Add(new QueueEffect.CancelOffer(agentId, entry.Call.CallId, held.Offer.OfferId));
        }
        entry.Offers.Clear();
    }

    private void MoveOut(Entry entry, string target, string reason, DateTimeOffset now)
    {
        Remove(entry);
        _counters.Add(now, c => c with { OverflowedOut = c.OverflowedOut + 1 });
        _effects.Add(new QueueEffect.OverflowCall(entry.Call.CallId, target, reason));
    }

    /// <summary>Maximum wait first, then the earliest wait-overflow rule, if either is due for this waiting call.</summary>
    private void ApplyDueWaitRules(Entry entry, DateTimeOffset now)
    {
        var waited = now - entry.EnteredAt;
        if (Settings.MaxWait is { } maxWait && waited >= maxWait)
        {
            ReachMaxWait(entry, now);
            return;
        }
        var rule = Settings.Overflow.Where(r => r.Condition == OverflowCondition.WaitExceeded)
            .OrderBy(r => r.After).FirstOrDefault(r => waited >= r.After);
        if (rule is not null)
        {
            MoveOut(entry, rule.TargetQueue, $"waited over {rule.After.TotalSeconds:0} s", now);
        }
    }

    private void ReachMaxWait(Entry entry, DateTimeOffset now)
    {
        var reason = $"maximum wait of {Settings.MaxWait!.Value.TotalSeconds:0} s reached";
        if (Settings.MaxWaitAction == MaxWaitAction.Overflow && Settings.MaxWaitTarget is { } target)
        {
            MoveOut(entry, target, reason, now);
            return;
        }
        Remove(entry);
        var outcome = Settings.MaxWaitAction switch
        {
            MaxWaitAction.Callback => CallOutcome.Callback,
            MaxWaitAction.Disconnect => CallOutcome.Rejected,
            _ => CallOutcome.Voicemail,
        };
        _counters.Add(now, c => c with { OtherOutcomes = c.OtherOutcomes + 1 });
        _effects.Add(new QueueEffect.EndCall(entry.Call.CallId, outcome, reason));
    }

    private void ScheduleChecks(Entry entry)
    {
        var id = entry.Call.CallId;
        foreach (var step in Settings.Relaxation)
        {
            _checks.Enqueue(new Check(CheckKind.Relaxation, id, 0), entry.EnteredAt + step.After);
        }
        foreach (var rule in Settings.Overflow)
        {
            if (rule.Condition == OverflowCondition.WaitExceeded)
            {
                _checks.Enqueue(new Check(CheckKind.Overflow, id, 0), entry.EnteredAt + rule.After);
            }
        }
        if (Settings.MaxWait is { } maxWait)
        {
            _checks.Enqueue(new Check(CheckKind.MaxWait, id, 0), entry.EnteredAt + maxWait);
        }
    }

    private enum CheckKind { Relaxation, Overflow, MaxWait, ReservationGuard }

    private readonly record struct Check(CheckKind Kind, string CallId, long OfferId);

    /// <summary>A call in this queue: waiting (no offers), or reserved / ringing at one or more agents.</summary>
    public sealed class Entry(QueuedCall call, DateTimeOffset enteredAt)
    {
        public QueuedCall Call { get; } = call;
        public DateTimeOffset EnteredAt { get; } = enteredAt;
        /// <summary>Outstanding offers by agent id (several only for ring-all).</summary>
        public Dictionary<string, HeldOffer> Offers { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>An offer the queue has made and not yet seen end.</summary>
    public sealed class HeldOffer(Offer offer, long epoch)
    {
        public Offer Offer { get; } = offer;
        /// <summary>The agent's epoch when offered: what the queue's guard may mark stale, and no later news.</summary>
        public long Epoch { get; } = epoch;
        /// <summary>The agent accepted the reservation and is ringing.</summary>
        public bool Ringing { get; set; }
    }

    public sealed class Member(string agentId)
    {
        public string AgentId { get; } = agentId;
        public int Level { get; set; } = 1;
        public ImmutableDictionary<string, int> Skills { get; set; } = ImmutableDictionary<string, int>.Empty;
        /// <summary>Set while the agent is in the ready index.</summary>
        public AgentAvailability? Availability { get; set; }
        public long UnavailableEpoch { get; set; }
        public long? PendingOfferId { get; set; }
        public long LastOfferSequence { get; set; }
        public int RandomKey { get; set; }
        /// <summary>True while in the ready index; changed only by Reindex.</summary>
        public bool Indexed { get; set; }
    }

    /// <summary>Waiting order (invariant 3): higher priority first, then earliest first arrival, then sequence.</summary>
    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            var c = y!.Call.Priority.CompareTo(x!.Call.Priority);
            if (c != 0) return c;
            c = x.Call.FirstArrival.CompareTo(y.Call.FirstArrival);
            if (c != 0) return c;
            c = x.Call.Sequence.CompareTo(y.Call.Sequence);
            return c != 0 ? c : string.CompareOrdinal(x.Call.CallId, y.Call.CallId);
        }
    }

    /// <summary>Ready agents in the order the strategy prefers them, primary members (lower level) first.</summary>
    private sealed class ReadyOrder(RoutingStrategy strategy) : IComparer<Member>
    {
        public static ReadyOrder For(RoutingStrategy strategy) => new(strategy);

        public int Compare(Member? x, Member? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            var c = x!.Level.CompareTo(y!.Level);
            if (c != 0) return c;
            var a = x.Availability!;
            var b = y.Availability!;
            c = strategy switch
            {
                RoutingStrategy.FewestCalls => a.CallsToday.CompareTo(b.CallsToday),
                RoutingStrategy.LeastTalkTime => a.TalkTimeToday.CompareTo(b.TalkTimeToday),
                RoutingStrategy.RoundRobin => x.LastOfferSequence.CompareTo(y.LastOfferSequence),
                RoutingStrategy.Random => x.RandomKey.CompareTo(y.RandomKey),
                _ => 0,
            };
            if (c != 0) return c;
            c = a.IdleSince.CompareTo(b.IdleSince);
            return c != 0 ? c : string.CompareOrdinal(x.AgentId, y.AgentId);
        }
    }

    /// <summary>Skill sets equal by content, in any order.</summary>
    private sealed class SkillsByContent : IEqualityComparer<ImmutableDictionary<string, int>>
    {
        public static readonly SkillsByContent Instance = new();

        public bool Equals(ImmutableDictionary<string, int>? x, ImmutableDictionary<string, int>? y) =>
            x is not null && y is not null && CallRequirements.ByContent.Equals(new CallRequirements(0, x), new CallRequirements(0, y));

        public int GetHashCode(ImmutableDictionary<string, int> skills) => CallRequirements.ByContent.GetHashCode(new CallRequirements(0, skills));
    }
}
