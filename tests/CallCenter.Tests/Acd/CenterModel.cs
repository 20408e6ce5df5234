using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;

namespace CallCenter.Tests.Acd;

/// <summary>
/// A whole center built from real <see cref="QueueCore"/>s, with agents and calls modelled after
/// the grain protocol: requests a grain awaits (enqueue, peek, claim, connect) run at once,
/// one-way messages wait in <see cref="Pending"/> and are delivered in whatever order the test
/// picks, which is how races between grains are explored without a cluster.
/// </summary>
internal sealed class CenterModel
{
    public DateTimeOffset Now { get; private set; } = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    public Dictionary<string, QueueCore> Queues { get; } = new(StringComparer.Ordinal);
    public List<AgentModel> Agents { get; } = [];
    public List<CallModel> Calls { get; } = [];
    public List<(string What, Action Deliver)> Pending { get; } = [];
    public List<string> Violations { get; } = [];
    /// <summary>What happened, for the failure report.</summary>
    public List<string> Trace { get; } = [];
    private long _sequence;

    public sealed class AgentModel(string id, ImmutableDictionary<string, int> queues, ImmutableDictionary<string, int> skills)
    {
        public string Id { get; } = id;
        public ImmutableDictionary<string, int> Queues { get; } = queues;
        public ImmutableDictionary<string, int> Skills { get; } = skills;
        public AgentState State { get; set; } = AgentState.NotReady;
        public Offer? Offer { get; set; }
        public string? CallId { get; set; }
        public long Epoch { get; set; }
        public DateTimeOffset IdleSince { get; set; }
        public int CallsToday { get; set; }
    }

    public sealed class CallModel(string id, int priority, ImmutableDictionary<string, int> skills, DateTimeOffset arrival, long sequence)
    {
        public string Id { get; } = id;
        public int Priority { get; } = priority;
        public ImmutableDictionary<string, int> Skills { get; } = skills;
        public DateTimeOffset Arrival { get; } = arrival;
        public long Sequence { get; } = sequence;
        public CallState State { get; set; } = CallState.New;
        public string? QueueId { get; set; }
        public int Hops { get; set; }
        public int Ends { get; set; }
        public CallOutcome? Outcome { get; set; }
    }

    public void AddQueue(QueueSettings settings) => Queues[settings.Id] = new QueueCore(settings, seed: Queues.Count);

    public void AddAgent(string id, ImmutableDictionary<string, int> queues, ImmutableDictionary<string, int> skills)
    {
        var agent = new AgentModel(id, queues, skills) { IdleSince = Now };
        Agents.Add(agent);
        foreach (var (queueId, level) in queues)
        {
            Queues[queueId].Join(new AgentMembership(id, level, skills, null), Now);
            Flush(queueId);
        }
    }

    // ---- events -------------------------------------------------------------------------------

    public void Arrive(string queueId, int priority, ImmutableDictionary<string, int> skills)
    {
        var call = new CallModel($"c{Calls.Count}", priority, skills, Now, ++_sequence);
        Calls.Add(call);
        Enqueue(call, queueId);
    }

    public void SetReady(AgentModel agent)
    {
        if (agent.State == AgentState.NotReady)
        {
            Pull(agent);
        }
    }

    public void SetNotReady(AgentModel agent)
    {
        if (agent.State == AgentState.Ready)
        {
            agent.State = AgentState.NotReady;
            foreach (var q in agent.Queues.Keys)
            {
                var epoch = agent.Epoch;
                Send($"unavailable {agent.Id}->{q}", () => { Queues[q].AgentUnavailable(agent.Id, epoch); Flush(q); });
            }
        }
    }

    public void Answer(AgentModel agent)
    {
        if (agent.State != AgentState.Reserved || agent.Offer is not { } offer)
        {
            return;
        }
        var call = Calls.Single(c => c.Id == offer.CallId);
        agent.Offer = null;
        // The call grain's Connect: only a call still waiting in the offering queue can be answered.
        if (call.State is CallState.Queued or CallState.Offered && call.QueueId == offer.QueueId)
        {
            call.State = CallState.Connected;
            agent.State = AgentState.OnCall;
            agent.CallId = call.Id;
            agent.CallsToday++;
            var connected = Agents.Count(a => a.CallId == call.Id && a.State == AgentState.OnCall);
            if (connected > 1)
            {
                Violations.Add($"invariant 1: call {call.Id} connected to {connected} agents");
            }
            var at = Now;
            Send($"answered {call.Id}->{offer.QueueId}", () => { Queues[offer.QueueId].Answered(call.Id, agent.Id, at); Flush(offer.QueueId); });
        }
        else
        {
            agent.State = AgentState.Ready;
            Pull(agent);
        }
    }

    public void HangUp(AgentModel agent)
    {
        if (agent.State != AgentState.OnCall)
        {
            return;
        }
        var call = Calls.Single(c => c.Id == agent.CallId);
        End(call, CallOutcome.Completed);
        agent.CallId = null;
        agent.IdleSince = Now;
        Pull(agent);
    }

    public void Abandon(CallModel call)
    {
        if (call.State is CallState.Queued or CallState.Offered)
        {
            var queueId = call.QueueId!;
            End(call, CallOutcome.Abandoned);
            var at = Now;
            Send($"withdraw {call.Id}->{queueId}", () => { Queues[queueId].Withdraw(call.Id, CallOutcome.Abandoned, at); Flush(queueId); });
        }
    }

    public void RingTimeout(AgentModel agent)
    {
        if (agent.State != AgentState.Reserved || agent.Offer is not { } offer)
        {
            return;
        }
        agent.Offer = null;
        agent.State = AgentState.NotReady;
        var epoch = agent.Epoch;
        Send($"rna {offer.CallId}->{offer.QueueId}", () =>
        {
            Queues[offer.QueueId].OfferFailed(offer.CallId, agent.Id, offer.OfferId, epoch, Now);
            Flush(offer.QueueId);
        });
    }

    public void Advance(TimeSpan by)
    {
        Now += by;
        // Agents' ring-no-answer timers fire on time (the queue's guard is only for agents that died).
        foreach (var agent in Agents.Where(a => a.Offer is { } o && o.OfferedAt + o.RingTimeout <= Now).ToList())
        {
            RingTimeout(agent);
        }
        foreach (var queueId in Queues.Keys)
        {
            Queues[queueId].Tick(Now);
            Flush(queueId);
        }
    }

    public void Deliver(int index)
    {
        if (Pending.Count == 0)
        {
            return;
        }
        var (what, deliver) = Pending[index % Pending.Count];
        Pending.RemoveAt(index % Pending.Count);
        Trace.Add($"  deliver {what}");
        deliver();
    }

    public void DeliverAll()
    {
        for (var guard = 0; Pending.Count > 0; guard++)
        {
            if (guard > 100_000)
            {
                Violations.Add("messages never stop (livelock)");
                return;
            }
            Deliver(0);
        }
    }

    // ---- the agent's pull, as AgentGrain.BecomeAvailable does it --------------------------------

    private void Pull(AgentModel agent)
    {
        var epoch = ++agent.Epoch;
        var expected = ExpectedBestCall(agent);
        Offer? offer;
        if (agent.Queues.Count == 1)
        {
            var (queueId, level) = agent.Queues.First();
            offer = Queues[queueId].ClaimBest(Availability(agent, epoch, level), Now);
            Flush(queueId);
        }
        else
        {
            var candidates = agent.Queues.Select(q => Queues[q.Key].Peek(Availability(agent, epoch, q.Value), Now)).ToList();
            var best = CrossQueueRule.Best(candidates);
            offer = best is null ? null : Queues[best.QueueId].Claim(Availability(agent, epoch, agent.Queues[best.QueueId]), best.CallId, Now);
            if (best is not null)
            {
                Flush(best.QueueId);
            }
        }
        if (offer?.CallId != expected)
        {
            Violations.Add($"invariant 3: agent {agent.Id} got {offer?.CallId ?? "nothing"} but the best eligible waiting call was {expected ?? "none"}");
        }
        Trace.Add($"  {agent.Id} pulls: {offer?.CallId ?? "nothing"}");
        if (offer is not null)
        {
            Reserve(agent, offer);
            return;
        }
        agent.State = AgentState.Ready;
        var readyEpoch = ++agent.Epoch;
        foreach (var (queueId, level) in agent.Queues)
        {
            var availability = Availability(agent, readyEpoch, level);
            Send($"ready {agent.Id}->{queueId}", () => { Queues[queueId].AgentReady(availability, Now); Flush(queueId); });
        }
    }

    private void Reserve(AgentModel agent, Offer offer)
    {
        Trace.Add($"  {agent.Id} reserved for {offer.CallId} by {offer.QueueId} (offer {offer.OfferId})");
        agent.State = AgentState.Reserved;
        agent.Offer = offer;
        foreach (var other in agent.Queues.Keys.Where(q => q != offer.QueueId))
        {
            var epoch = agent.Epoch;
            Send($"unavailable {agent.Id}->{other}", () => { Queues[other].AgentUnavailable(agent.Id, epoch); Flush(other); });
        }
        var holders = Agents.Count(a => a.Offer?.CallId == offer.CallId && a.State == AgentState.Reserved);
        if (holders > 1 && !offer.RingAll)
        {
            Violations.Add($"invariant 1: call {offer.CallId} offered to {holders} agents at once");
        }
    }

    /// <summary>An independent statement of invariant 3 and the cross-queue rule.</summary>
    private string? ExpectedBestCall(AgentModel agent)
    {
        var candidates = new List<(int Priority, int Level, DateTimeOffset Arrival, long Sequence, string Queue, string Call)>();
        foreach (var (queueId, level) in agent.Queues)
        {
            var queue = Queues[queueId];
            var best = queue.Calls
                .Where(e => e.Offers.Count == 0)
                .Where(e => CallRequirements.For(queue.Settings, e.Call.RequiredSkills, Now - e.EnteredAt).Admits(level, agent.Skills))
                .OrderByDescending(e => e.Call.Priority).ThenBy(e => e.Call.FirstArrival).ThenBy(e => e.Call.Sequence)
                .FirstOrDefault();
            if (best is not null)
            {
                candidates.Add((best.Call.Priority, level, best.Call.FirstArrival, best.Call.Sequence, queueId, best.Call.CallId));
            }
        }
        return candidates
            .OrderByDescending(c => c.Priority).ThenBy(c => c.Level).ThenBy(c => c.Arrival).ThenBy(c => c.Queue, StringComparer.Ordinal)
            .Select(c => c.Call).FirstOrDefault();
    }

    private AgentAvailability Availability(AgentModel agent, long epoch, int level) =>
        new(agent.Id, epoch, agent.IdleSince, agent.CallsToday, TimeSpan.Zero, agent.Skills, level);

    // ---- calls ----------------------------------------------------------------------------------

    private void Enqueue(CallModel call, string queueId)
    {
        while (true)
        {
            if (call.Hops++ >= CallGrain.MaxQueueHops)
            {
                End(call, CallOutcome.Rejected);
                return;
            }
            call.QueueId = queueId;
            call.State = CallState.Queued;
            var result = Queues[queueId].Enqueue(new QueuedCall(call.Id, call.Priority, call.Arrival, call.Skills, "0731", null, call.Sequence), Now);
            Flush(queueId);
            switch (result.Status)
            {
                case EnqueueStatus.Overflowed:
                    queueId = result.OverflowTarget!;
                    continue;
                case EnqueueStatus.Rejected:
                    End(call, CallOutcome.Rejected);
                    return;
                default:
                    return;
            }
        }
    }

    private void End(CallModel call, CallOutcome outcome)
    {
        if (call.Ends++ > 0)
        {
            Violations.Add($"invariant 2: call {call.Id} ended twice ({call.Outcome}, then {outcome})");
            return;
        }
        if (!CallLifecycle.CanEndWith(call.State, outcome))
        {
            Violations.Add($"call {call.Id} in {call.State} cannot end as {outcome}");
        }
        call.State = CallState.Ended;
        call.Outcome = outcome;
    }

    // ---- queue effects become one-way messages -------------------------------------------------

    private void Flush(string queueId)
    {
        foreach (var effect in Queues[queueId].DrainEffects())
        {
            switch (effect)
            {
                case QueueEffect.ReserveAgent e:
                    Send($"reserve {e.Offer.CallId}->{e.Offer.AgentId}", () =>
                    {
                        var agent = Agents.Single(a => a.Id == e.Offer.AgentId);
                        var accepted = agent.State == AgentState.Ready && agent.Offer is null && Now < e.Offer.OfferedAt + e.Offer.RingTimeout;
                        if (accepted)
                        {
                            Reserve(agent, e.Offer);
                        }
                        var epoch = agent.Epoch;
                        Send($"reserved? {e.Offer.CallId}->{queueId}", () =>
                        {
                            Queues[queueId].ReservationResult(e.Offer, accepted, epoch, Now);
                            Flush(queueId);
                        });
                        if (!accepted && agent.State == AgentState.Ready && agent.Offer is null)
                        {
                            var availability = Availability(agent, ++agent.Epoch, agent.Queues[queueId]);
                            Send($"ready {agent.Id}->{queueId}", () => { Queues[queueId].AgentReady(availability, Now); Flush(queueId); });
                        }
                    });
                    break;
                case QueueEffect.CancelOffer e:
                    Send($"cancel {e.CallId}->{e.AgentId}", () =>
                    {
                        var agent = Agents.Single(a => a.Id == e.AgentId);
                        if (agent.State == AgentState.Reserved && agent.Offer is { } held && held.CallId == e.CallId && held.OfferId == e.OfferId)
                        {
                            agent.Offer = null;
                            agent.State = AgentState.Ready;
                            Pull(agent);
                        }
                    });
                    break;
                case QueueEffect.CallOffered e:
                    Send($"offered {e.CallId}", () =>
                    {
                        var call = Calls.Single(c => c.Id == e.CallId);
                        if (call.QueueId == queueId && call.State == CallState.Queued)
                        {
                            call.State = CallState.Offered;
                        }
                    });
                    break;
                case QueueEffect.OverflowCall e:
                    Send($"overflow {e.CallId}->{e.TargetQueue}", () =>
                    {
                        var call = Calls.Single(c => c.Id == e.CallId);
                        if (call.QueueId == queueId && call.State is CallState.Queued or CallState.Offered)
                        {
                            Enqueue(call, e.TargetQueue);
                        }
                    });
                    break;
                case QueueEffect.EndCall e:
                    Send($"end {e.CallId}", () =>
                    {
                        var call = Calls.Single(c => c.Id == e.CallId);
                        if (call.QueueId == queueId && call.State is CallState.Queued or CallState.Offered)
                        {
                            End(call, e.Outcome);
                        }
                    });
                    break;
            }
        }
    }

    private void Send(string what, Action deliver) => Pending.Add((what, deliver));

    // ---- invariants -------------------------------------------------------------------------------

    /// <summary>Invariants 1 and 2 hold at every step: one call per agent, and every live call is held by exactly one queue or agent.</summary>
    public void CheckAlways()
    {
        var held = Queues.Values.SelectMany(q => q.Calls).GroupBy(e => e.Call.CallId).ToDictionary(g => g.Key, g => g.Count());
        foreach (var group in Agents.Where(a => a.State == AgentState.OnCall).GroupBy(a => a.CallId).Where(g => g.Count() > 1))
        {
            Violations.Add($"invariant 1: call {group.Key} connected to {group.Count()} agents");
        }
        foreach (var call in Calls)
        {
            if (call.State is CallState.Queued or CallState.Offered)
            {
                var holders = held.GetValueOrDefault(call.Id);
                // A queue that overflows or ends a call lets go of it first and tells the call one-way.
                var inFlight = Pending.Any(p => p.What.StartsWith($"overflow {call.Id}->", StringComparison.Ordinal)
                    || p.What == $"end {call.Id}");
                if (holders != 1 && !inFlight)
                {
                    Violations.Add($"invariant 2: waiting call {call.Id} is held by {holders} queues");
                }
            }
        }
    }

    /// <summary>Invariant 4, checked when no message is in flight: no call waits while an eligible agent is ready.</summary>
    public void CheckQuiescent()
    {
        if (Pending.Count > 0)
        {
            return;
        }
        foreach (var (queueId, queue) in Queues)
        {
            foreach (var entry in queue.Calls.Where(e => e.Offers.Count == 0))
            {
                var requirements = CallRequirements.For(queue.Settings, entry.Call.RequiredSkills, Now - entry.EnteredAt);
                var idle = Agents.FirstOrDefault(a => a.State == AgentState.Ready && a.Queues.TryGetValue(queueId, out var level) && requirements.Admits(level, a.Skills));
                if (idle is not null)
                {
                    var m = queue.FindMember(idle.Id)!;
                    Violations.Add($"invariant 4: call {entry.Call.CallId} waits in {queueId} while eligible agent {idle.Id} is ready"
                        + $" (agent epoch {idle.Epoch}; queue sees availability epoch {m.Availability?.Epoch.ToString() ?? "none"},"
                        + $" unavailable up to {m.UnavailableEpoch}, pending offer {m.PendingOfferId?.ToString() ?? "none"}, indexed {m.Indexed})");
                }
            }
        }
    }

    /// <summary>Ends the run: callers still waiting give up, agents finish; then every call must have ended exactly once.</summary>
    public void Finish()
    {
        for (var round = 0; round < 10; round++)
        {
            DeliverAll();
            foreach (var agent in Agents)
            {
                Answer(agent);
                HangUp(agent);
            }
            DeliverAll();
        }
        foreach (var call in Calls)
        {
            Abandon(call);
        }
        DeliverAll();
        foreach (var agent in Agents)
        {
            Answer(agent);
            HangUp(agent);
        }
        DeliverAll();
        foreach (var call in Calls.Where(c => c.Ends != 1))
        {
            Violations.Add($"invariant 2: call {call.Id} ended {call.Ends} times (state {call.State})");
        }
        foreach (var (queueId, queue) in Queues.Where(q => q.Value.CallCount > 0))
        {
            Violations.Add($"queue {queueId} still holds {queue.CallCount} calls after every call ended");
        }
        foreach (var agent in Agents.Where(a => a.State is AgentState.Reserved or AgentState.OnCall))
        {
            Violations.Add($"agent {agent.Id} is stuck {agent.State} after every call ended");
        }
    }
}
