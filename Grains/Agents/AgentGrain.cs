using System.Collections.Immutable;
using CallCenter.Acd;
using CallCenter.Calls;
using CallCenter.Hosting;
using CallCenter.Stats;
using CallCenter.Time;
using Microsoft.Extensions.Logging;

namespace CallCenter.Agents;

[GenerateSerializer, Alias("agents.record")]
public sealed class AgentRecord
{
    [Id(0)] public AgentProfile? Profile { get; set; }
    /// <summary>
    /// The presence the agent chose (LoggedOut, NotReady or Ready), so an agent whose silo died
    /// comes back as it was; Ready also stands for the busy states that follow it.
    /// </summary>
    [Id(1)] public AgentState Presence { get; set; } = AgentState.LoggedOut;
    [Id(2)] public string? Reason { get; set; }
}

/// <summary>
/// One agent: presence, the offer it holds, its connected call and its timers (ring-no-answer,
/// wrap-up). It awaits its queues and calls but nothing awaits it except read-only snapshots, so
/// the agent is where a cross-queue choice is made without races: one writer per agent.
/// </summary>
[CollectionAgeLimit(Days = 7)]
public sealed class AgentGrain(
    [PersistentState("agent", CallCenterSiloExtensions.StorageName)] IPersistentState<AgentRecord> record,
    DurableState durable,
    CallCenterClock clock,
    PresenceReporter presenceReporter,
    History.IHistorySink history,
    ILogger<AgentGrain> logger) : Grain, IAgentGrain
{
    /// <summary>How many times an agent retries a claim that lost a race before announcing itself ready.</summary>
    private const int ClaimAttempts = 3;

    /// <summary>How long the agent's and the phone's views of a connected call may differ before the phone wins (an answer's reply and a heartbeat can cross).</summary>
    private static readonly TimeSpan PhoneDisagreementGrace = TimeSpan.FromSeconds(5);

    private AgentPresence _presence = null!;
    private IAgentPhone? _phone;
    private Offer? _offer;
    private string? _callId;
    // The call the current presence interval belongs to (Reserved, OnCall, OnHold, WrapUp), fixed when
    // the state is entered: by the time the interval is written the offer or call may already be cleared.
    private string? _intervalCallId;
    private string? _callQueue;
    private TimeSpan _callWrapUp;
    private DateTimeOffset _connectedAt;
    private DateTimeOffset? _holdStartedAt;
    private TimeSpan _holdTotal;
    private TimeSpan _lastTalk;
    private DateTimeOffset _wrapUpStartedAt;
    private long _epoch;
    private IGrainTimer? _timer;
    private TimerPurpose _timerPurpose;
    /// <summary>The offer that rings now came from a transfer (CTI-2), not from a queue: its failure goes to the call.</summary>
    private bool _offerIsTransfer;
    /// <summary>The call in <see cref="_callId"/> is one this agent dialled (CTI-4): an outbound call grain, not a queue's call.</summary>
    private bool _outbound;
    /// <summary>The presence the agent dialled from, which it returns to when the outbound call is over.</summary>
    private (AgentState State, string? Reason) _dialledFrom;

    private enum TimerPurpose { None, RingNoAnswer, WrapUp }

    private string AgentId => GrainKeys.IdOf(this.GetPrimaryKeyString(), GrainKeys.AgentPrefix);
    private AgentProfile Profile => record.State.Profile ?? throw new InvalidOperationException($"Agent '{AgentId}' is not configured.");
    private DateTimeOffset Now => clock.Now;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _presence = new AgentPresence(AgentId, Now);
        return Task.CompletedTask;
    }

    public async Task Configure(AgentProfile profile)
    {
        var errors = AgentProfileValidator.Validate(profile, AgentId);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid profile for agent '{AgentId}': {string.Join("; ", errors)}", nameof(profile));
        }
        var previous = record.State.Profile;
        record.State.Profile = profile;
        await record.WriteStateAsync();
        if (_presence.IsLoggedIn)
        {
            foreach (var removed in previous?.Queues.Keys.Except(profile.Queues.Keys) ?? [])
            {
                await GrainFactory.GetQueue(removed).Leave(AgentId);
            }
            await JoinQueues();
            if (_presence.State == AgentState.Ready)
            {
                AnnounceReady();
            }
        }
    }

    public async Task<AgentProfile> SetQueueMembership(string queueId, int level)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueId);
        var profile = Profile with { Queues = Profile.Queues.SetItem(queueId, level) };
        // Configure validates (level 1 or more) before it changes anything, and joins or leaves the queues live.
        await Configure(profile);
        return profile;
    }

    public async Task<AgentProfile> RemoveQueueMembership(string queueId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueId);
        if (!Profile.Queues.ContainsKey(queueId))
        {
            throw new ArgumentException($"Agent '{AgentId}' is not a member of queue '{queueId}'.", nameof(queueId));
        }
        var profile = Profile with { Queues = Profile.Queues.Remove(queueId) };
        await Configure(profile);
        return profile;
    }

    public async Task Login(IAgentPhone? phone, bool ready)
    {
        _ = Profile;
        _phone = phone ?? _phone;
        if (!_presence.IsLoggedIn)
        {
            Move(AgentState.NotReady, "login");
            await JoinQueues();
        }
        if (ready && _presence.State == AgentState.NotReady)
        {
            await BecomeAvailable();
        }
        await StorePresence(ready || _presence.State != AgentState.NotReady ? AgentState.Ready : AgentState.NotReady, _presence.ReasonCode);
    }

    public async Task Logout()
    {
        if (_presence.State == AgentState.LoggedOut)
        {
            return;
        }
        Move(AgentState.LoggedOut);
        CancelTimer();
        await Task.WhenAll(Profile.Queues.Keys.Select(q => GrainFactory.GetQueue(q).Leave(AgentId)));
        await StorePresence(AgentState.LoggedOut, null);
    }

    public async Task SetReady()
    {
        switch (_presence.State)
        {
            case AgentState.Ready:
                return;
            case AgentState.NotReady:
                await BecomeAvailable();
                await StorePresence(AgentState.Ready, null);
                return;
            case AgentState.WrapUp:
                await FinishWrapUp();
                return;
            default:
                throw new InvalidAgentTransitionException(AgentId, _presence.State, AgentState.Ready,
                    AgentStateMachine.Explain(_presence.State, AgentState.Ready));
        }
    }

    public Task SetNotReady(string reasonCode)
    {
        RefuseDuringOutbound("go not-ready");
        if (_presence.State == AgentState.WrapUp)
        {
            ReportHandled();
            CancelTimer();
        }
        Move(AgentState.NotReady, reasonCode);
        TellQueuesUnavailable();
        return StorePresence(AgentState.NotReady, reasonCode);
    }

    public Task Reserve(Offer offer)
    {
        var queue = GrainFactory.GetQueue(offer.QueueId);
        // An offer past its ring deadline may already be reclaimed by the queue's guard and
        // offered to someone else: accepting it could ring two agents for one call.
        var expired = Now >= offer.OfferedAt + offer.RingTimeout;
        if (_presence.State != AgentState.Ready || _offer is not null || offer.AgentId != AgentId || expired)
        {
            queue.ReservationResult(offer, accepted: false, _epoch).Ignore();
            if (_presence.State == AgentState.Ready && _offer is null && Profile.Queues.TryGetValue(offer.QueueId, out var level))
            {
                // Still free: the refusal must not leave the queue thinking otherwise.
                return queue.AgentReady(Availability(++_epoch, level));
            }
            return Task.CompletedTask;
        }
        Ring(offer);
        return queue.ReservationResult(offer, accepted: true, _epoch);
    }

    public async Task CancelOffer(string callId, long offerId)
    {
        if (_offer is null || _offer.CallId != callId || _offer.OfferId != offerId || _presence.State != AgentState.Reserved)
        {
            return;
        }
        _offer = null;
        _offerIsTransfer = false;
        CancelTimer();
        _phone?.OfferWithdrawn(AgentId, callId).Ignore();
        Move(AgentState.Ready);
        await BecomeAvailable();
    }

    public Task<bool> RingForTransfer(Offer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        _ = Profile;
        if (offer.AgentId != AgentId)
        {
            throw new ArgumentException($"The offer is for agent '{offer.AgentId}', not '{AgentId}'.", nameof(offer));
        }
        if (_presence.State != AgentState.Ready || _offer is not null)
        {
            return Task.FromResult(false);
        }
        Ring(offer);
        _offerIsTransfer = true;
        // The call's own queue does not hold it, so it must not reserve this agent meanwhile either.
        GrainFactory.GetQueue(offer.QueueId).AgentUnavailable(AgentId, _epoch).Ignore();
        return Task.FromResult(true);
    }

    public async Task<TransferResult> Transfer(TransferTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        RefuseDuringOutbound("transfer or conference");
        if (_presence.State is not (AgentState.OnCall or AgentState.OnHold) || _callId is null)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' has no connected call to transfer (state {_presence.State}).");
        }
        var result = await GrainFactory.GetCall(_callId).Transfer(AgentId, target);
        if (result.Accepted)
        {
            logger.LogInformation("Agent {AgentId} transferred call {CallId} to {Target}", AgentId, _callId, target);
            await EndCall();
        }
        return result;
    }

    public async Task<TransferResult> AddToCall(string agentId)
    {
        RefuseDuringOutbound("transfer or conference");
        if (_presence.State is not (AgentState.OnCall or AgentState.OnHold) || _callId is null)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' has no connected call to add '{agentId}' to (state {_presence.State}).");
        }
        return await GrainFactory.GetCall(_callId).AddAgent(AgentId, agentId);
    }

    public async Task<TransferResult> Consult(string agentId)
    {
        RefuseDuringOutbound("transfer or conference");
        if (_presence.State is not (AgentState.OnCall or AgentState.OnHold) || _callId is null)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' has no connected call to consult '{agentId}' about (state {_presence.State}).");
        }
        return await GrainFactory.GetCall(_callId).Consult(AgentId, agentId);
    }

    public async Task<string> Dial(string number)
    {
        if (OutboundNumber.Check(number) is { } invalid)
        {
            throw new ArgumentException($"Agent '{AgentId}' cannot dial: {invalid}.", nameof(number));
        }
        var refusal = _presence.State switch
        {
            AgentState.LoggedOut => "the agent is logged out; log in first",
            AgentState.Reserved => "a call is ringing for the agent",
            AgentState.OnCall or AgentState.OnHold => "the agent is on a call",
            AgentState.WrapUp => "the agent is in wrap-up; finish it first",
            _ => _phone is null ? "the agent has no phone to dial from" : null,
        };
        if (refusal is not null)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' cannot dial {number}: {refusal}.");
        }
        var dial = new OutboundDial(OutboundNumber.NewCallId(), AgentId, number, Now);
        var call = GrainFactory.GetOutboundCall(dial.CallId);
        // The call exists before the phone is asked, so whatever the gateway reports finds it.
        await call.Open(dial);
        string? phoneRefusal;
        try
        {
            phoneRefusal = await _phone!.PlaceCall(dial);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Agent {AgentId}'s phone could not be asked to dial {Number}", AgentId, number);
            phoneRefusal = "the agent's phone did not take the request";
        }
        if (phoneRefusal is not null)
        {
            await call.Discard();
            throw new InvalidOperationException($"Agent '{AgentId}' cannot dial {number}: {phoneRefusal}.");
        }
        // Busy for the queues from now on: the phone rings for this call as it would for an offer.
        _dialledFrom = (_presence.State, _presence.ReasonCode);
        Move(AgentState.Reserved);
        _outbound = true;
        _callId = dial.CallId;
        _callQueue = null;
        _callWrapUp = TimeSpan.Zero;
        TellQueuesUnavailable();
        logger.LogInformation("Agent {AgentId} dials {Number} (call {CallId})", AgentId, number, dial.CallId);
        return dial.CallId;
    }

    public Task OutboundConnected(string callId)
    {
        if (_outbound && _callId == callId && _presence.State == AgentState.Reserved)
        {
            Move(AgentState.OnCall);
            _connectedAt = Now;
            _holdTotal = TimeSpan.Zero;
            _holdStartedAt = null;
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// The outbound call is over (its record is written): the agent goes back to the presence it dialled from. One
    /// that talked is ready (or not-ready with its reason, through a wrap-up of no length) as after an inbound call.
    /// </summary>
    private async Task FinishOutbound()
    {
        var (from, reason) = _dialledFrom;
        var talked = _presence.State is AgentState.OnCall or AgentState.OnHold;
        _outbound = false;
        if (talked)
        {
            var now = Now;
            if (_holdStartedAt is { } heldSince)
            {
                _holdTotal += now - heldSince;
                _holdStartedAt = null;
            }
            _lastTalk = now - _connectedAt - _holdTotal;
        }
        _callId = null;
        _callQueue = null;
        if (from == AgentState.NotReady)
        {
            if (talked)
            {
                Move(AgentState.WrapUp);
            }
            Move(AgentState.NotReady, reason ?? "outbound");
            return;
        }
        await BecomeAvailable();
    }

    private void RefuseDuringOutbound(string what)
    {
        if (_outbound)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' cannot {what} during its outbound call {_callId}.");
        }
    }

    public async Task<bool> Answer(string callId)
    {
        if (_presence.State != AgentState.Reserved || _offer is null || _offer.CallId != callId)
        {
            // The offer was withdrawn or timed out before the answer arrived: a normal race.
            return false;
        }
        var offer = _offer;
        bool connected;
        try
        {
            connected = await GrainFactory.GetCall(callId).Connect(offer, Now);
        }
        catch (Exception ex) when (ex is not InvalidCallTransitionException)
        {
            // The call's silo died under the answer: the call resumes elsewhere and is offered
            // again; this agent stays free rather than ringing into nothing.
            logger.LogWarning(ex, "Agent {AgentId} could not connect call {CallId}", AgentId, callId);
            connected = false;
        }
        _offer = null;
        _offerIsTransfer = false;
        CancelTimer();
        if (!connected)
        {
            // The caller hung up, or another agent won a ring-all: the call is not ours.
            _phone?.OfferWithdrawn(AgentId, callId).Ignore();
            Move(AgentState.Ready);
            await BecomeAvailable();
            return false;
        }
        Move(AgentState.OnCall, callId: callId);
        _callId = callId;
        _callQueue = offer.QueueId;
        _callWrapUp = offer.WrapUp;
        _connectedAt = Now;
        _holdTotal = TimeSpan.Zero;
        _holdStartedAt = null;
        return true;
    }

    public Task Decline(string callId)
    {
        if (_presence.State != AgentState.Reserved || _offer is null || _offer.CallId != callId)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' has no ringing call '{callId}' to decline.");
        }
        var offer = _offer;
        _offer = null;
        CancelTimer();
        Move(AgentState.NotReady, "declined");
        ReportOfferFailed(offer, OfferFailure.Declined).Ignore();
        return StorePresence(AgentState.NotReady, "declined");
    }

    public async Task Hold()
    {
        RequireState(AgentState.OnCall, AgentState.OnHold);
        if (!_outbound)
        {
            await GrainFactory.GetCall(_callId!).SetHold(true);
        }
        _holdStartedAt = Now;
        Move(AgentState.OnHold);
    }

    public async Task Retrieve()
    {
        RequireState(AgentState.OnHold, AgentState.OnCall);
        if (!_outbound)
        {
            await GrainFactory.GetCall(_callId!).SetHold(false);
        }
        _holdTotal += Now - (_holdStartedAt ?? Now);
        _holdStartedAt = null;
        Move(AgentState.OnCall);
    }

    public async Task Hangup()
    {
        if (_outbound && _callId is { } outbound)
        {
            // Also while it still rings: the agent gives up dialling. The record is written before the agent is free.
            await GrainFactory.GetOutboundCall(outbound).End(CallParty.Agent, CallOutcome.NoAnswer, "the agent hung up");
            await FinishOutbound();
            return;
        }
        if (_presence.State is not (AgentState.OnCall or AgentState.OnHold) || _callId is null)
        {
            throw new InvalidOperationException($"Agent '{AgentId}' has no connected call to hang up (state {_presence.State}).");
        }
        // In a conference the caller stays with the other agents; either way this agent is off the call.
        await GrainFactory.GetCall(_callId).AgentHangup(AgentId);
        await EndCall();
    }

    public async Task CallEnded(string callId, DateTimeOffset at)
    {
        if (_outbound && _callId == callId)
        {
            _phone?.CallEnded(AgentId, callId).Ignore();
            await FinishOutbound();
            return;
        }
        if (_callId == callId && _presence.State is AgentState.OnCall or AgentState.OnHold)
        {
            _phone?.CallEnded(AgentId, callId).Ignore();
            await EndCall();
        }
    }

    public Task EndWrapUp()
    {
        RequireState(AgentState.WrapUp, AgentState.Ready);
        return FinishWrapUp();
    }

    public async Task<AgentSnapshot> Heartbeat(IAgentPhone phone, string? activeCallId)
    {
        _phone = phone;
        if (!_presence.IsLoggedIn)
        {
            if (record.State.Presence != AgentState.LoggedOut && record.State.Profile is not null)
            {
                await Resume(activeCallId);
            }
            else if (activeCallId is not null)
            {
                phone.CallEnded(AgentId, activeCallId).Ignore();
            }
        }
        else if (activeCallId is not null && _callId != activeCallId)
        {
            // The phone missed the end of its call (the notice died with a silo).
            phone.CallEnded(AgentId, activeCallId).Ignore();
        }
        else if (activeCallId is null && _presence.State is AgentState.OnCall or AgentState.OnHold
            && Now - _presence.Since >= PhoneDisagreementGrace)
        {
            // The phone has had no call for a while: its hang-up never reached us (or the call
            // ended and its notice died with a silo).
            if (_outbound && _callId is not null)
            {
                await Hangup();
                return await GetSnapshot();
            }
            if (_callId is not null)
            {
                try
                {
                    await GrainFactory.GetCall(_callId).Hangup(CallParty.Agent);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Agent {AgentId} could not hang up {CallId} for its phone", AgentId, _callId);
                }
            }
            await EndCall();
        }
        return await GetSnapshot();
    }

    /// <summary>
    /// Comes back after this agent's silo died: logs in again as it was, and takes back the
    /// phone's call if the call confirms this agent is connected to it.
    /// </summary>
    private async Task Resume(string? activeCallId)
    {
        var chosen = record.State.Presence;
        logger.LogInformation("Agent {AgentId} resumes after a failure as {Presence} (phone call {CallId})", AgentId, chosen, activeCallId);
        Move(AgentState.NotReady, record.State.Reason ?? "recovered");
        try
        {
            await JoinQueues();
        }
        catch (Exception ex)
        {
            // The queues know their members from their own stored state; joining again only
            // refreshes that, so a queue that is moving does not stop the agent coming back.
            logger.LogWarning(ex, "Agent {AgentId} could not re-join every queue while resuming", AgentId);
        }
        if (activeCallId is not null)
        {
            var call = await GrainFactory.GetCall(activeCallId).GetSnapshot();
            if (call.State is CallState.Connected or CallState.OnHold && call.AgentId == AgentId)
            {
                Move(call.State == CallState.OnHold ? AgentState.OnHold : AgentState.OnCall, callId: activeCallId);
                _callId = activeCallId;
                _callQueue = call.QueueId;
                _callWrapUp = TimeSpan.Zero;
                _connectedAt = Now;
                _holdTotal = TimeSpan.Zero;
                _holdStartedAt = call.State == CallState.OnHold ? Now : null;
                TellQueuesUnavailable();
                return;
            }
            _phone?.CallEnded(AgentId, activeCallId).Ignore();
        }
        if (chosen == AgentState.Ready)
        {
            await BecomeAvailable();
        }
        else
        {
            TellQueuesUnavailable();
        }
    }

    private Task StorePresence(AgentState presence, string? reason)
    {
        if (record.State.Presence == presence && record.State.Reason == reason)
        {
            return Task.CompletedTask;
        }
        record.State.Presence = presence;
        record.State.Reason = reason;
        return durable.TryAsync(record);
    }

    public Task<AgentSnapshot> GetSnapshot() => Task.FromResult(new AgentSnapshot(
        AgentId, _presence.State, _presence.Since, _presence.ReasonCode, _offer?.CallId ?? _callId,
        _offer?.QueueId ?? _callQueue, _presence.CountersAt(Now), record.State.Profile));

    public Task<AgentAvailability?> GetAvailability(int membershipLevel) =>
        Task.FromResult(_presence.State == AgentState.Ready && _offer is null ? Availability(_epoch, membershipLevel) : null);

    // ---- the pull: an agent that becomes free asks its queues for the best waiting call ----

    /// <summary>
    /// Asks the agent's queues for their best waiting call and takes the best by
    /// <see cref="CrossQueueRule"/>; if none, becomes ready and tells every queue. Reservations
    /// that queues send meanwhile wait for this to finish (the grain is not reentrant), so the
    /// agent never ends up with two calls.
    /// </summary>
    private async Task BecomeAvailable()
    {
        var queues = Profile.Queues;
        for (var attempt = 0; attempt < ClaimAttempts && queues.Count > 0; attempt++)
        {
            var epoch = ++_epoch;
            Offer? offer;
            OfferCandidate? best = null;
            try
            {
                if (queues.Count == 1)
                {
                    var (queueId, level) = queues.First();
                    offer = await GrainFactory.GetQueue(queueId).ClaimBest(Availability(epoch, level));
                }
                else
                {
                    var candidates = await Task.WhenAll(queues.Select(q => PeekQuietly(q.Key, Availability(epoch, q.Value))));
                    best = CrossQueueRule.Best(candidates);
                    offer = best is null ? null
                        : await GrainFactory.GetQueue(best.QueueId).Claim(Availability(epoch, queues[best.QueueId]), best.CallId);
                }
            }
            catch (Exception ex) when (ex is not InvalidAgentTransitionException)
            {
                // A queue's silo died under the claim. The agent is free all the same: it says so
                // (one-way) and the queue, reactivated, asks its members who is ready.
                logger.LogWarning(ex, "Agent {AgentId} could not claim a call; announcing itself ready instead", AgentId);
                break;
            }
            if (offer is not null)
            {
                if (_presence.State != AgentState.Ready)
                {
                    Move(AgentState.Ready);
                }
                Ring(offer);
                return;
            }
            if (best is null)
            {
                break;
            }
            // The call we chose was taken meanwhile: look again.
        }
        if (_presence.State != AgentState.Ready)
        {
            Move(AgentState.Ready);
        }
        AnnounceReady();
    }

    private async Task<OfferCandidate?> PeekQuietly(string queueId, AgentAvailability availability)
    {
        try
        {
            return await GrainFactory.GetQueue(queueId).Peek(availability);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Agent {AgentId} could not look into queue {QueueId}", AgentId, queueId);
            return null;
        }
    }

    private void AnnounceReady()
    {
        var epoch = ++_epoch;
        foreach (var (queueId, level) in Profile.Queues)
        {
            GrainFactory.GetQueue(queueId).AgentReady(Availability(epoch, level)).Ignore();
        }
    }

    private void TellQueuesUnavailable()
    {
        foreach (var queueId in Profile.Queues.Keys)
        {
            GrainFactory.GetQueue(queueId).AgentUnavailable(AgentId, _epoch).Ignore();
        }
    }

    private AgentAvailability Availability(long epoch, int level)
    {
        var counters = _presence.CountersAt(Now);
        return new AgentAvailability(AgentId, epoch, _presence.IdleSince, counters.Calls, counters.TalkTime, Profile.Skills, level);
    }

    private void Ring(Offer offer)
    {
        Move(AgentState.Reserved, callId: offer.CallId);
        _offer = offer;
        foreach (var queueId in Profile.Queues.Keys)
        {
            if (queueId != offer.QueueId)
            {
                GrainFactory.GetQueue(queueId).AgentUnavailable(AgentId, _epoch).Ignore();
            }
        }
        // Ring until the offer's own deadline, so this timer always fires before the queue's guard.
        StartTimer(TimerPurpose.RingNoAnswer, offer.OfferedAt + offer.RingTimeout - Now);
        _phone?.Ring(offer).Ignore();
    }

    private async Task EndCall()
    {
        var now = Now;
        if (_holdStartedAt is { } heldSince)
        {
            _holdTotal += now - heldSince;
            _holdStartedAt = null;
        }
        _lastTalk = now - _connectedAt - _holdTotal;
        if (_callWrapUp > TimeSpan.Zero)
        {
            Move(AgentState.WrapUp);
            _wrapUpStartedAt = now;
            StartTimer(TimerPurpose.WrapUp, _callWrapUp);
            return;
        }
        _wrapUpStartedAt = now;
        ReportHandled();
        await BecomeAvailable();
    }

    private async Task FinishWrapUp()
    {
        CancelTimer();
        ReportHandled();
        await BecomeAvailable();
    }

    private void ReportHandled()
    {
        if (_callId is null || _callQueue is null)
        {
            return;
        }
        var handled = new HandledCall(_callId, AgentId, _lastTalk, _holdTotal, Now - _wrapUpStartedAt);
        GrainFactory.GetQueue(_callQueue).CallHandled(handled).Ignore();
        _callId = null;
        _callQueue = null;
    }

    // ---- timers: one per agent, re-armed for whichever deadline is current ----

    private void StartTimer(TimerPurpose purpose, TimeSpan after)
    {
        _timerPurpose = purpose;
        var due = clock.ToWall(after);
        if (_timer is null)
        {
            _timer = this.RegisterGrainTimer(OnTimer, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void CancelTimer()
    {
        _timerPurpose = TimerPurpose.None;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private async Task OnTimer(CancellationToken cancellationToken)
    {
        var purpose = _timerPurpose;
        _timerPurpose = TimerPurpose.None;
        switch (purpose)
        {
            case TimerPurpose.RingNoAnswer when _presence.State == AgentState.Reserved && _offer is { } offer:
                // ACD-5: the call goes back to the head of its queue; the agent is set not-ready.
                _offer = null;
                _presence.CountRingNoAnswer();
                Move(AgentState.NotReady, "no-answer");
                _phone?.OfferWithdrawn(AgentId, offer.CallId).Ignore();
                await ReportOfferFailed(offer, OfferFailure.RingNoAnswer);
                TellQueuesUnavailable();
                await StorePresence(AgentState.NotReady, "no-answer");
                break;
            case TimerPurpose.WrapUp when _presence.State == AgentState.WrapUp:
                await FinishWrapUp();
                break;
        }
    }

    /// <summary>A queue's offer failed back to the queue; a transfer's to the call, which returns to its queue.</summary>
    private Task ReportOfferFailed(Offer offer, OfferFailure reason)
    {
        var transfer = _offerIsTransfer;
        _offerIsTransfer = false;
        return transfer
            ? GrainFactory.GetCall(offer.CallId).TransferNotAnswered(AgentId, offer.OfferId, reason.ToString())
            : GrainFactory.GetQueue(offer.QueueId).OfferFailed(offer.CallId, AgentId, offer.OfferId, reason, _epoch);
    }

    private void Move(AgentState next, string? reasonCode = null, string? callId = null)
    {
        var now = Now;
        if (_presence.IsLoggedIn)
        {
            history.WriteAsync(new History.AgentStateInterval(AgentId, _presence.State, _presence.Since, now, _presence.ReasonCode,
                _intervalCallId)).AsTask().Ignore();
        }
        _intervalCallId = next switch
        {
            AgentState.Reserved or AgentState.OnCall or AgentState.OnHold => callId ?? _callId,
            AgentState.WrapUp => _callId,
            _ => null,
        };
        _presence.MoveTo(next, now, reasonCode);
        presenceReporter.Report(new AgentPresenceReport(AgentId, record.State.Profile?.Region, next, now, presenceReporter.NextSequence()));
        if (logger.IsEnabled(LogLevel.Trace))
        {
            logger.LogTrace("Agent {AgentId} is now {State} ({Reason})", AgentId, next, reasonCode);
        }
    }

    private void RequireState(AgentState required, AgentState next)
    {
        if (_presence.State != required)
        {
            throw new InvalidAgentTransitionException(AgentId, _presence.State, next, $"the agent must be {required}");
        }
    }

    private Task JoinQueues() => Task.WhenAll(Profile.Queues.Select(q =>
        GrainFactory.GetQueue(q.Key).Join(new AgentMembership(AgentId, q.Value, Profile.Skills, Profile.Region))));
}

public static class AgentProfileValidator
{
    public static IReadOnlyList<string> Validate(AgentProfile profile, string expectedId)
    {
        var errors = new List<string>();
        if (profile.Id != expectedId) errors.Add($"id: '{profile.Id}' does not match the agent '{expectedId}'");
        foreach (var (skill, proficiency) in profile.Skills)
        {
            if (string.IsNullOrWhiteSpace(skill)) errors.Add("skills: a skill name is empty");
            if (proficiency is < 1 or > 5) errors.Add($"skills.{skill}: proficiency {proficiency} is outside 1..5");
        }
        foreach (var (queue, level) in profile.Queues)
        {
            if (string.IsNullOrWhiteSpace(queue)) errors.Add("queues: a queue id is empty");
            if (level < 1) errors.Add($"queues.{queue}: level {level} must be 1 or more");
        }
        return errors;
    }
}
