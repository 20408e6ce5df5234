using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Media;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>One member of a call's mix and how it takes part.</summary>
public sealed record ConversationSeat<TLeg>(TLeg Leg, ConferenceRole Role, TLeg? WhisperTarget) where TLeg : class;

/// <summary>
/// Who hears whom in a call with an agent (WB-2, CTI-2): the whole policy, pure so properties can check it.
/// The caller and every agent are speakers; a supervisor listens, whispers to the first agent (the one the
/// call was answered by) or barges in as a speaker. A caller on hold leaves the mix (and hears music) while
/// the agents and supervisors go on hearing each other.
/// </summary>
public static class ConversationLayout
{
    /// <summary>
    /// A plain two-leg bridge carries the common case (the caller and one agent) at the cost of a relay, not a
    /// mix; a supervisor or a second agent needs the mixer.
    /// </summary>
    public static bool NeedsMixer(int agents, int supervisors) => supervisors > 0 || agents > 1;

    public static IReadOnlyList<ConversationSeat<TLeg>> Seats<TLeg>(TLeg caller, bool callerHeld, IReadOnlyList<TLeg> agents,
        IReadOnlyList<(TLeg Leg, MonitorMode Mode)> supervisors) where TLeg : class
    {
        ArgumentNullException.ThrowIfNull(caller);
        var seats = new List<ConversationSeat<TLeg>>();
        if (!callerHeld)
        {
            seats.Add(new(caller, ConferenceRole.Speaker, null));
        }
        seats.AddRange(agents.Select(agent => new ConversationSeat<TLeg>(agent, ConferenceRole.Speaker, null)));
        var coached = agents.Count > 0 ? agents[0] : null;
        foreach (var (leg, mode) in supervisors)
        {
            seats.Add(mode switch
            {
                MonitorMode.Barge => new(leg, ConferenceRole.Speaker, null),
                // With no agent's leg here there is nobody to whisper to: the supervisor only listens.
                MonitorMode.Whisper when coached is not null => new(leg, ConferenceRole.Whisperer, coached),
                MonitorMode.Whisper or MonitorMode.Listen => new(leg, ConferenceRole.Listener, null),
                _ => throw new ArgumentOutOfRangeException(nameof(supervisors), mode, "unknown monitor mode"),
            });
        }
        return seats;
    }
}
