using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;

namespace CallCenter.LoadTests.Failover;

/// <summary>Whether an agent's state agreed with its phone at its latest check since the monitor started.</summary>
public enum AgentHealth
{
    /// <summary>No check since the monitor started.</summary>
    Unknown,
    Consistent,
    /// <summary>Disagreed at a heartbeat and again at a check a second later.</summary>
    Inconsistent,
    /// <summary>The latest heartbeat failed (the agent's silo is gone and the cluster does not know yet).</summary>
    Unreachable,
}

public sealed record AgentHealthCounts(int Consistent, int Inconsistent, int Unreachable, int Unknown)
{
    public bool AllConsistent => Inconsistent == 0 && Unreachable == 0 && Unknown == 0;
}

/// <summary>One agent whose state was last to agree with its phone.</summary>
public sealed record AgentRecovery(string AgentId, double? RecoveredAfterSeconds, string? LastProblem);

/// <summary>The agents' phones: ring, answer, hang up, heartbeat; and the consistency checks.</summary>
public sealed partial class FailoverDriver
{
    private sealed class AgentEntry(int index, string id, string queueId, IAgentGrain grain)
    {
        public readonly Lock Sync = new();
        public int Index { get; } = index;
        public string Id { get; } = id;
        public string QueueId { get; } = queueId;
        public IAgentGrain Grain { get; } = grain;
        public PhoneState State;
        public string? CallId;
        public long Token;
        /// <summary>A ring that came while the phone was still busy: the notice ending that step may be behind it.</summary>
        public Offer? PendingRing;
        public long PendingRingToken;
        public bool EndedWhileAnswering;
        public bool HeartbeatInFlight;
        public bool SetReadyPending;
        public bool ReloginPending;
        public bool RecheckPending;
        public int Strikes;
        public AgentHealth Health;
        public long RecoveredAt;
        public string? LastProblem;

        public PhoneView View => new(State, CallId);
    }

    private long _monitorFrom;
    private long _inconsistencies;

    /// <summary>From now on every agent counts as unknown until a check after this moment agrees with its phone.</summary>
    public void StartMonitor()
    {
        Volatile.Write(ref _monitorFrom, Now);
        foreach (var agent in _agents)
        {
            lock (agent.Sync)
            {
                agent.Health = AgentHealth.Unknown;
                agent.RecoveredAt = 0;
                agent.LastProblem = null;
            }
        }
    }

    public AgentHealthCounts SampleAgents()
    {
        int consistent = 0, inconsistent = 0, unreachable = 0, unknown = 0;
        foreach (var agent in _agents)
        {
            lock (agent.Sync)
            {
                switch (agent.Health)
                {
                    case AgentHealth.Consistent: consistent++; break;
                    case AgentHealth.Inconsistent: inconsistent++; break;
                    case AgentHealth.Unreachable: unreachable++; break;
                    default: unknown++; break;
                }
            }
        }
        return new AgentHealthCounts(consistent, inconsistent, unreachable, unknown);
    }

    /// <summary>The agents (of <paramref name="only"/>, or all) that were last to agree with their phones since the monitor started.</summary>
    public IReadOnlyList<AgentRecovery> SlowestRecoveries(int count, IReadOnlySet<string>? only = null)
    {
        var from = Volatile.Read(ref _monitorFrom);
        var list = new List<AgentRecovery>();
        foreach (var agent in _agents)
        {
            if (only is not null && !only.Contains(agent.Id))
            {
                continue;
            }
            lock (agent.Sync)
            {
                double? seconds = agent.Health == AgentHealth.Consistent && agent.RecoveredAt > 0
                    ? Math.Round((double)(agent.RecoveredAt - from) / Stopwatch.Frequency, 2)
                    : null;
                list.Add(new AgentRecovery(agent.Id, seconds, agent.LastProblem ?? (agent.Health == AgentHealth.Consistent ? null : agent.Health.ToString())));
            }
        }
        // Agents that do not agree yet come first.
        return [.. list.OrderByDescending(r => r.RecoveredAfterSeconds ?? double.MaxValue).Take(count)];
    }

    public long Inconsistencies => Interlocked.Read(ref _inconsistencies);

    private void SetHealth(AgentEntry agent, AgentHealth health, string? problem, long checkedAt)
    {
        var from = Volatile.Read(ref _monitorFrom);
        if (health == AgentHealth.Inconsistent)
        {
            Interlocked.Increment(ref _inconsistencies);
            _errors.Note($"agent {agent.Id} disagrees with its phone: {problem}");
        }
        if (from == 0 || checkedAt < from)
        {
            return;
        }
        lock (agent.Sync)
        {
            if (health == AgentHealth.Consistent && agent.Health != AgentHealth.Consistent)
            {
                agent.RecoveredAt = Now;
            }
            if (problem is not null)
            {
                agent.LastProblem = problem;
            }
            agent.Health = health;
        }
    }

    // ---- the phone: told by the agents' grains ----

    private void OnRing(Offer offer)
    {
        if (!_agentIndex.TryGetValue(offer.AgentId, out var index))
        {
            Interlocked.Increment(ref _foreignRings);
            return;
        }
        Ring(_agents[index], offer);
    }

    private void Ring(AgentEntry agent, Offer offer)
    {
        long token;
        lock (agent.Sync)
        {
            if (agent.State != PhoneState.Idle)
            {
                if (agent.CallId != offer.CallId && agent.PendingRing?.CallId != offer.CallId)
                {
                    // Notices travel separately: the ring may have overtaken the end of the
                    // previous call (or the reply to a hang-up). Hold it until the phone is idle.
                    agent.PendingRing = offer;
                    var pending = ++agent.PendingRingToken;
                    Schedule(ActionKind.PendingRing, agent.Index, pending, After(1));
                }
                return;
            }
            agent.State = PhoneState.Ringing;
            agent.CallId = offer.CallId;
            token = ++agent.Token;
        }
        var delay = FailoverOptions.AnswerDelayMinSeconds
            + Random.Shared.NextDouble() * (FailoverOptions.AnswerDelayMaxSeconds - FailoverOptions.AnswerDelayMinSeconds);
        Schedule(ActionKind.Answer, agent.Index, token, After(delay));
    }

    /// <summary>The phone is idle again (call with the lock held); returns a ring that was waiting for it.</summary>
    private Offer? GoIdle(AgentEntry agent)
    {
        agent.State = PhoneState.Idle;
        agent.CallId = null;
        agent.Token++;
        agent.Strikes = 0;
        var pending = agent.PendingRing;
        agent.PendingRing = null;
        if (pending is not null)
        {
            Interlocked.Increment(ref _ringsEarly);
        }
        return pending;
    }

    private void RingPending(AgentEntry agent, Offer? pending)
    {
        if (pending is not null)
        {
            Ring(agent, pending);
        }
    }

    /// <summary>A held ring whose phone is still busy a second later: the agent has dropped the phone's call; the phone follows the agent.</summary>
    private void OnPendingRingDue(int index, long token)
    {
        var agent = _agents[index];
        Offer? offer;
        lock (agent.Sync)
        {
            if (agent.PendingRing is null || agent.PendingRingToken != token)
            {
                return;
            }
            offer = agent.PendingRing;
            agent.PendingRing = null;
            Interlocked.Increment(ref _ringsWhileBusy);
            _errors.Note($"agent {agent.Id} rang for {offer.CallId} while its phone was {agent.View} for a second: the phone takes the ring");
            agent.State = PhoneState.Idle;
            agent.CallId = null;
            agent.Token++;
            agent.Strikes = 0;
        }
        Ring(agent, offer);
    }

    private void OnOfferWithdrawn(string agentId, string callId)
    {
        if (!_agentIndex.TryGetValue(agentId, out var index))
        {
            return;
        }
        var agent = _agents[index];
        Offer? pending = null;
        lock (agent.Sync)
        {
            if (agent.PendingRing?.CallId == callId)
            {
                agent.PendingRing = null;
            }
            else if (agent.State == PhoneState.Ringing && agent.CallId == callId)
            {
                pending = GoIdle(agent);
            }
        }
        RingPending(agent, pending);
    }

    private void OnPhoneCallEnded(string agentId, string callId)
    {
        if (!_agentIndex.TryGetValue(agentId, out var index))
        {
            return;
        }
        var agent = _agents[index];
        Offer? pending = null;
        lock (agent.Sync)
        {
            if (agent.CallId != callId)
            {
                return;
            }
            if (agent.State == PhoneState.Answering)
            {
                agent.EndedWhileAnswering = true;
            }
            else
            {
                pending = GoIdle(agent);
            }
        }
        RingPending(agent, pending);
    }

    // ---- the phone: what it does ----

    private async Task AnswerAsync(int index, long token)
    {
        var agent = _agents[index];
        string callId;
        lock (agent.Sync)
        {
            if (agent.State != PhoneState.Ringing || agent.Token != token || agent.CallId is null)
            {
                return;
            }
            if (agent.HeartbeatInFlight)
            {
                // The phone's grain calls stay in order: a heartbeat sent before the answer
                // ("no call") must not reach the agent after it.
                Schedule(ActionKind.Answer, index, token, After(0.05));
                return;
            }
            agent.State = PhoneState.Answering;
            agent.EndedWhileAnswering = false;
            callId = agent.CallId;
        }
        bool accepted;
        var began = Now;
        try
        {
            accepted = await agent.Grain.Answer(callId);
            _answerLatency.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        catch (Exception ex)
        {
            _errors.Record("answer", $"{agent.Id}/{callId}", ex);
            accepted = false;
        }
        bool onCall;
        Offer? pending = null;
        lock (agent.Sync)
        {
            onCall = accepted && !agent.EndedWhileAnswering;
            if (agent.State == PhoneState.Answering && agent.CallId == callId)
            {
                if (onCall)
                {
                    agent.State = PhoneState.OnCall;
                }
                else
                {
                    pending = GoIdle(agent);
                }
            }
        }
        RingPending(agent, pending);
        if (accepted)
        {
            Interlocked.Increment(ref _answered);
        }
        if (onCall)
        {
            OnAnswered(callId, index);
        }
    }

    /// <summary>The agent hangs up its call; false when its phone is not on that call (the caller hangs up instead).</summary>
    private bool TryAgentHangup(int index, string callId)
    {
        var agent = _agents[index];
        lock (agent.Sync)
        {
            if (agent.State != PhoneState.OnCall || agent.CallId != callId)
            {
                return false;
            }
            agent.State = PhoneState.HangingUp;
        }
        _ = AgentHangupAsync(agent, callId);
        return true;
    }

    private async Task AgentHangupAsync(AgentEntry agent, string callId)
    {
        try
        {
            await agent.Grain.Hangup();
            Interlocked.Increment(ref _agentHangups);
            Offer? pending = null;
            lock (agent.Sync)
            {
                if (agent.State == PhoneState.HangingUp && agent.CallId == callId)
                {
                    pending = GoIdle(agent);
                }
            }
            RingPending(agent, pending);
            return;
        }
        catch (Exception ex)
        {
            _errors.Record("hangup-agent", $"{agent.Id}/{callId}", ex);
            var transport = ex is OrleansException or TimeoutException;
            Offer? pending = null;
            lock (agent.Sync)
            {
                if (agent.State == PhoneState.HangingUp && agent.CallId == callId)
                {
                    // Refused: the agent has no call. Lost in transit: still on it as far as we know (the heartbeat settles it).
                    if (transport)
                    {
                        agent.State = PhoneState.OnCall;
                    }
                    else
                    {
                        pending = GoIdle(agent);
                    }
                }
            }
            RingPending(agent, pending);
        }
        // The agent could not hang up: the caller does, so that the call ends whatever the agent knows.
        if (CallAt(CallIndexOf(callId)) is { } call)
        {
            Interlocked.Increment(ref _callerHangups);
            await CallerHangupAsync(call);
        }
    }

    private void OnHeartbeatDue(int index, long due)
    {
        var agent = _agents[index];
        Schedule(ActionKind.Heartbeat, index, 0, Math.Max(due + _cycleTicks, Now + _cycleTicks / 4));
        string? active;
        PhoneView view;
        lock (agent.Sync)
        {
            // A phone in the middle of an answer or a hang-up reports once the step is over.
            if (agent.HeartbeatInFlight || agent.State is PhoneState.Answering or PhoneState.HangingUp)
            {
                return;
            }
            agent.HeartbeatInFlight = true;
            active = agent.State == PhoneState.OnCall ? agent.CallId : null;
            view = agent.View;
        }
        _ = HeartbeatAsync(agent, active, view);
    }

    private async Task HeartbeatAsync(AgentEntry agent, string? active, PhoneView sentView)
    {
        var sentAt = Now;
        AgentSnapshot snapshot;
        try
        {
            snapshot = await agent.Grain.Heartbeat(_phone, active);
            _heartbeatLatency.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
        }
        catch (Exception ex)
        {
            _errors.Record("heartbeat", agent.Id, ex);
            lock (agent.Sync)
            {
                agent.HeartbeatInFlight = false;
            }
            SetHealth(agent, AgentHealth.Unreachable, $"heartbeat failed: {ex.GetType().Name}", sentAt);
            return;
        }
        PhoneView view;
        Offer? resyncRing = null;
        lock (agent.Sync)
        {
            agent.HeartbeatInFlight = false;
            var agentOnIt = snapshot.State is AgentState.OnCall or AgentState.OnHold && snapshot.CallId == active;
            if (active is not null && agent.State == PhoneState.OnCall && agent.CallId == active && !agentOnIt)
            {
                // The agent says the phone's call is over; it also tells the phone, but if that
                // notice never comes the phone gives the call up after three heartbeats.
                if (++agent.Strikes >= 3)
                {
                    resyncRing = GoIdle(agent);
                    Interlocked.Increment(ref _phoneResyncs);
                    _errors.Note($"phone of {agent.Id} gives up {active}: the agent is {snapshot.State} with {snapshot.CallId ?? "no call"} after 3 heartbeats");
                }
            }
            else
            {
                agent.Strikes = 0;
            }
            view = agent.View;
        }
        RingPending(agent, resyncRing);
        switch (snapshot.State)
        {
            case AgentState.LoggedOut:
                Interlocked.Increment(ref _loggedOutSeen);
                SetHealth(agent, AgentHealth.Inconsistent, "came back logged out", sentAt);
                ScheduleOnce(agent, ActionKind.Relogin, 0.5);
                return;
            case AgentState.NotReady:
                // After a ring-no-answer (an answer lost in a failover) the agent makes itself ready again.
                Interlocked.Increment(ref _notReadySeen);
                ScheduleOnce(agent, ActionKind.SetReady, 1);
                break;
        }
        Judge(agent, sentView, view, snapshot, sentAt, recheck: true);
    }

    /// <summary>
    /// Agrees when the snapshot matches the phone as it was when the check was sent or as it is
    /// now (a step may have crossed the check). A disagreement is confirmed by a second look a
    /// second later, so that notices still in flight do not count.
    /// </summary>
    private void Judge(AgentEntry agent, PhoneView before, PhoneView after, AgentSnapshot snapshot, long checkedAt, bool recheck)
    {
        var problem = AgentConsistency.Disagreement(after, snapshot);
        if (problem is not null && AgentConsistency.Disagreement(before, snapshot) is null)
        {
            problem = null;
        }
        if (problem is null)
        {
            SetHealth(agent, AgentHealth.Consistent, null, checkedAt);
        }
        else if (recheck)
        {
            ScheduleOnce(agent, ActionKind.Recheck, 1);
        }
        else
        {
            SetHealth(agent, AgentHealth.Inconsistent, problem, checkedAt);
        }
    }

    private void ScheduleOnce(AgentEntry agent, ActionKind kind, double afterSeconds)
    {
        lock (agent.Sync)
        {
            switch (kind)
            {
                case ActionKind.SetReady when !agent.SetReadyPending:
                    agent.SetReadyPending = true;
                    break;
                case ActionKind.Relogin when !agent.ReloginPending:
                    agent.ReloginPending = true;
                    break;
                case ActionKind.Recheck when !agent.RecheckPending:
                    agent.RecheckPending = true;
                    break;
                default:
                    return;
            }
        }
        Schedule(kind, agent.Index, 0, After(afterSeconds));
    }

    private async Task RecheckAsync(int index)
    {
        var agent = _agents[index];
        PhoneView before;
        lock (agent.Sync)
        {
            agent.RecheckPending = false;
            before = agent.View;
        }
        var sentAt = Now;
        AgentSnapshot snapshot;
        try
        {
            snapshot = await agent.Grain.GetSnapshot();
        }
        catch (Exception ex)
        {
            _errors.Record("snapshot", agent.Id, ex);
            SetHealth(agent, AgentHealth.Unreachable, $"snapshot failed: {ex.GetType().Name}", sentAt);
            return;
        }
        PhoneView after;
        lock (agent.Sync)
        {
            after = agent.View;
        }
        Judge(agent, before, after, snapshot, sentAt, recheck: false);
    }

    private async Task SetReadyAsync(int index)
    {
        var agent = _agents[index];
        lock (agent.Sync)
        {
            agent.SetReadyPending = false;
        }
        try
        {
            var snapshot = await agent.Grain.GetSnapshot();
            if (snapshot.State == AgentState.NotReady)
            {
                await agent.Grain.SetReady();
            }
        }
        catch (Exception ex)
        {
            _errors.Record("set-ready", agent.Id, ex);
        }
    }

    private async Task ReloginAsync(int index)
    {
        var agent = _agents[index];
        lock (agent.Sync)
        {
            agent.ReloginPending = false;
        }
        try
        {
            await agent.Grain.Login(_phone, ready: true);
        }
        catch (Exception ex)
        {
            _errors.Record("login", agent.Id, ex);
        }
    }
}
