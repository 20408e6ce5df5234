using System.Collections.Immutable;

namespace CallCenter.Calls;

/// <summary>
/// Who talked with the caller and for how long, across transfers (CTI-2): each agent's answer opens
/// a talk segment and a transfer closes it. Talk on the record is the sum of the segments less hold,
/// so time the caller spent waiting for the next agent is never counted as talk.
/// </summary>
public sealed record CallHandling
{
    public ImmutableArray<string> HandledBy { get; init; } = [];
    /// <summary>Talk in segments already closed (hold included; hold is subtracted once, in <see cref="TalkAt"/>).</summary>
    public TimeSpan ClosedTalk { get; init; }
    /// <summary>When the current agent answered; null while no agent is on the call.</summary>
    public DateTimeOffset? SegmentStart { get; init; }

    public bool HasAgent => SegmentStart is not null;

    /// <summary>An agent answered. An agent who answers again straight after itself is not named twice.</summary>
    public CallHandling Answered(string agentId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        if (SegmentStart is not null)
        {
            throw new InvalidOperationException($"An agent is already on the call; '{agentId}' cannot answer it too.");
        }
        var named = !HandledBy.IsEmpty && HandledBy[^1] == agentId ? HandledBy : HandledBy.Add(agentId);
        return this with { HandledBy = named, SegmentStart = at };
    }

    /// <summary>
    /// Another agent joined the conversation (three-way conference): it is named, and the conversation's one talk
    /// segment goes on, since the caller talks the whole time whoever is on the line.
    /// </summary>
    public CallHandling Joined(string agentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        if (SegmentStart is null)
        {
            throw new InvalidOperationException($"No conversation to join; '{agentId}' must answer the call instead.");
        }
        return HandledBy.Contains(agentId) ? this : this with { HandledBy = HandledBy.Add(agentId) };
    }

    /// <summary>The current agent left the call (transfer): its segment is closed at <paramref name="at"/>.</summary>
    public CallHandling Left(DateTimeOffset at)
    {
        if (SegmentStart is not { } start)
        {
            throw new InvalidOperationException("No agent is on the call.");
        }
        var spent = at - start;
        return this with { ClosedTalk = ClosedTalk + (spent > TimeSpan.Zero ? spent : TimeSpan.Zero), SegmentStart = null };
    }

    /// <summary>Talk up to <paramref name="end"/> (the open segment counts up to it) less all hold.</summary>
    public TimeSpan TalkAt(DateTimeOffset end, TimeSpan hold)
    {
        var open = SegmentStart is { } start && end > start ? end - start : TimeSpan.Zero;
        var talk = ClosedTalk + open - hold;
        return talk > TimeSpan.Zero ? talk : TimeSpan.Zero;
    }
}

/// <summary>Whether an agent may transfer a call now, and to what (CTI-2). Pure, so properties can drive it.</summary>
public static class TransferRules
{
    /// <summary>Null when the transfer may go ahead; otherwise why it is an illegal request.</summary>
    public static string? Check(CallState state, string? connectedAgent, string fromAgentId, TransferTarget target)
    {
        if (string.IsNullOrWhiteSpace(target.Id))
        {
            return "the transfer target's id is empty";
        }
        if (!Enum.IsDefined(target.Kind))
        {
            return $"unknown transfer target kind {(int)target.Kind}";
        }
        if (state is not (CallState.Connected or CallState.OnHold))
        {
            return $"only a connected call can be transferred (the call is {state})";
        }
        if (connectedAgent != fromAgentId)
        {
            return $"agent '{fromAgentId}' is not the agent on this call";
        }
        if (target.Kind == TransferTargetKind.Agent && target.Id == fromAgentId)
        {
            return "an agent cannot transfer a call to itself";
        }
        return null;
    }

    /// <summary>The call state a transfer that was accepted leads to.</summary>
    public static CallState StateAfter(TransferTargetKind kind) => kind switch
    {
        TransferTargetKind.Agent => CallState.Offered,
        TransferTargetKind.Queue => CallState.Queued,
        TransferTargetKind.Ivr => CallState.Ivr,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown transfer target kind"),
    };
}
