namespace CallCenter.Agents;

[GenerateSerializer, Alias("agents.invalid-transition")]
public sealed class InvalidAgentTransitionException(string agentId, AgentState from, AgentState to, string why)
    : InvalidOperationException($"Agent '{agentId}' cannot go from {from} to {to}: {why}")
{
    [Id(0)] public AgentState From { get; private set; } = from;
    [Id(1)] public AgentState To { get; private set; } = to;
}

/// <summary>The legal presence transitions (ACD-4); everything else is an error, never a silent no-op.</summary>
public static class AgentStateMachine
{
    public static bool IsLegal(AgentState from, AgentState to) => (from, to) switch
    {
        (AgentState.LoggedOut, AgentState.Ready or AgentState.NotReady) => true,
        (AgentState.Ready, AgentState.Reserved or AgentState.NotReady or AgentState.LoggedOut) => true,
        // Reserved -> Ready: the offer was withdrawn or declined; -> NotReady: ring-no-answer (ACD-5).
        (AgentState.Reserved, AgentState.OnCall or AgentState.Ready or AgentState.NotReady) => true,
        (AgentState.OnCall, AgentState.OnHold or AgentState.WrapUp or AgentState.Ready) => true,
        (AgentState.OnHold, AgentState.OnCall or AgentState.WrapUp or AgentState.Ready) => true,
        (AgentState.WrapUp, AgentState.Ready or AgentState.NotReady or AgentState.LoggedOut) => true,
        (AgentState.NotReady, AgentState.Ready or AgentState.NotReady or AgentState.LoggedOut) => true,
        // Click-to-dial (CTI-4): a not-ready agent may place a call; its phone rings first, as for an offer.
        (AgentState.NotReady, AgentState.Reserved) => true,
        _ => false,
    };

    public static string Explain(AgentState from, AgentState to) => (from, to) switch
    {
        (AgentState.LoggedOut, _) => "the agent is logged out; log in first",
        (AgentState.Reserved or AgentState.OnCall or AgentState.OnHold, AgentState.LoggedOut or AgentState.NotReady) =>
            "the agent has a call; finish it first",
        (_, AgentState.OnCall) => "only a ringing or held call can be connected",
        (_, AgentState.Reserved) => "only a ready agent can be offered a call (or a ready or not-ready one dial out)",
        _ => "not a legal presence change",
    };
}

/// <summary>
/// One agent's presence and today's counters, as plain data the grain persists. Every change goes
/// through <see cref="MoveTo"/>, which checks legality and accumulates time in state.
/// </summary>
public sealed class AgentPresence
{
    public AgentPresence(string agentId, DateTimeOffset now)
    {
        AgentId = agentId;
        Since = now;
        Counters = AgentCounters.For(DateOnly.FromDateTime(now.UtcDateTime));
    }

    public string AgentId { get; }
    public AgentState State { get; private set; } = AgentState.LoggedOut;
    public DateTimeOffset Since { get; private set; }
    public string? ReasonCode { get; private set; }
    public AgentCounters Counters { get; private set; }
    /// <summary>When the agent last became free (the longest-idle key).</summary>
    public DateTimeOffset IdleSince { get; private set; }

    public bool IsLoggedIn => State != AgentState.LoggedOut;

    public void MoveTo(AgentState next, DateTimeOffset now, string? reasonCode = null)
    {
        if (!AgentStateMachine.IsLegal(State, next))
        {
            throw new InvalidAgentTransitionException(AgentId, State, next, AgentStateMachine.Explain(State, next));
        }
        if (next == AgentState.NotReady && string.IsNullOrWhiteSpace(reasonCode))
        {
            throw new ArgumentException("A not-ready state needs a reason code.", nameof(reasonCode));
        }
        Accumulate(now);
        if (State == AgentState.LoggedOut)
        {
            // A fresh login counts from now.
            IdleSince = now;
        }
        if (next == AgentState.Ready && State is not AgentState.Reserved)
        {
            // A withdrawn offer does not reset the agent's place in the longest-idle order.
            IdleSince = now;
        }
        if (next == AgentState.OnCall && State == AgentState.Reserved)
        {
            Counters = Counters with { Calls = Counters.Calls + 1 };
        }
        State = next;
        Since = now;
        ReasonCode = next == AgentState.NotReady ? reasonCode : null;
    }

    public void CountRingNoAnswer() => Counters = Counters with { RingNoAnswers = Counters.RingNoAnswers + 1 };

    /// <summary>Counters including the time spent so far in the current state.</summary>
    public AgentCounters CountersAt(DateTimeOffset now)
    {
        var saved = (Counters, Since);
        Accumulate(now);
        var result = Counters;
        (Counters, Since) = saved;
        return result;
    }

    private void Accumulate(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today != Counters.Day)
        {
            // A new day: today's counters start again; time in state counts from midnight.
            Counters = AgentCounters.For(today);
            var midnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            if (Since < midnight)
            {
                Since = midnight;
            }
        }
        var spent = now - Since;
        if (spent <= TimeSpan.Zero)
        {
            return;
        }
        Counters = State switch
        {
            AgentState.LoggedOut => Counters,
            AgentState.OnCall => Counters with { TalkTime = Counters.TalkTime + spent, LoginTime = Counters.LoginTime + spent },
            AgentState.OnHold => Counters with { HoldTime = Counters.HoldTime + spent, LoginTime = Counters.LoginTime + spent },
            AgentState.WrapUp => Counters with { WrapUpTime = Counters.WrapUpTime + spent, LoginTime = Counters.LoginTime + spent },
            AgentState.NotReady => Counters with { NotReadyTime = Counters.NotReadyTime + spent, LoginTime = Counters.LoginTime + spent },
            _ => Counters with { LoginTime = Counters.LoginTime + spent },
        };
        Since = now;
    }
}
