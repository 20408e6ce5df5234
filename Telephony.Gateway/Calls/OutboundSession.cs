using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// An agent's click-to-dial call (CTI-4) as the gateway carries it, a B2BUA: the agent's phone rings first (through
/// its <see cref="AgentLine"/>); when it answers, the agent hears ringback and the customer is called through the
/// trunk; when the customer answers the two legs are bridged (and recorded like inbound calls). Either side's BYE
/// ends the call grain, whose end hangs up the other leg. A customer who is busy or does not answer ends the
/// agent's leg with that outcome on the record.
/// </summary>
public sealed class OutboundSession(CallControl control, AgentLine line, OutboundDial dial, CustomerAddress customer, ILogger logger)
    : ICallerSide, ICallObserver
{
    /// <summary>The customer's leg; made before the agent's phone rings, so an end at any moment finds it.</summary>
    private CustomerLeg? _customerLeg;
    private ICallObserver? _observer;
    private int _ended;

    public string CallId => dial.CallId;

    private IOutboundCallGrain Grain => control.Grains.GetOutboundCall(CallId);

    private TimeSpan RingLimit => TimeSpan.FromSeconds(control.Options.OutboundRingSeconds);

    private bool IsEnded => Volatile.Read(ref _ended) != 0;

    public async Task RunAsync()
    {
        _customerLeg = new CustomerLeg(control, CallId, logger);
        try
        {
            _observer = control.Grains.CreateObjectReference<ICallObserver>(this);
            await Grain.Observe(_observer);
            if (!await line.RingOutboundAsync(this, dial, RingLimit) && !IsEnded)
            {
                await EndInGrainAsync(CallParty.System, CallOutcome.Failed, "the agent's phone did not answer");
            }
            await WatchGrainAsync();
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException or MediaException)
        {
            logger.LogWarning(ex, "Outbound call {CallId} failed", CallId);
            await EndInGrainAsync(CallParty.System, CallOutcome.Failed, ex.Message);
        }
    }

    /// <summary>
    /// The call grain lives in memory only: when its silo dies, its new activation knows no call (state New) and would
    /// never tell this session to hang up. Asked every few seconds while the legs are up; either answer ends them here.
    /// </summary>
    private async Task WatchGrainAsync()
    {
        while (!IsEnded)
        {
            await Task.Delay(CallControl.KeepAliveInterval, control.Time);
            try
            {
                if (!IsEnded && (await Grain.GetSnapshot()).State is OutboundCallState.New or OutboundCallState.Ended)
                {
                    logger.LogInformation("Outbound call {CallId} is unknown to its grain (its silo died); hanging up both legs", CallId);
                    await ReleaseAsync();
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                logger.LogDebug(ex, "Outbound call {CallId}: its grain did not answer; asking again", CallId);
            }
        }
    }

    public Task<bool> AgentConnectedAsync(AgentLine line, RtpLeg agentLeg)
    {
        if (IsEnded)
        {
            return Task.FromResult(false);
        }
        _ = DialCustomerAsync(agentLeg);
        return Task.FromResult(true);
    }

    private async Task DialCustomerAsync(RtpLeg agentLeg)
    {
        var customerLeg = _customerLeg!;
        agentLeg.Play(CallControl.Ringback());
        try
        {
            // The caller is the agent's line: the customer sees the agent's id as the From user.
            var result = await customerLeg.DialAsync(customer, dial.AgentId, RingLimit);
            if (!result.Answered)
            {
                var outcome = OutboundNumber.OutcomeOf(result.Status, result.TimedOut);
                await EndInGrainAsync(CallParty.System, outcome, result.TimedOut ? "the customer did not answer in time" : $"the customer's side answered {result.Status}");
                return;
            }
            if (IsEnded || !await Grain.CustomerAnswered())
            {
                // The agent hung up while the customer's phone rang.
                await customerLeg.DisposeAsync();
                return;
            }
            if (customerLeg.Bridge(agentLeg) is { } path)
            {
                await Grain.AttachRecording(path);
            }
            logger.LogInformation("Outbound call {CallId}: agent {AgentId} talks with {Number}", CallId, dial.AgentId, dial.Number);
            var end = await customerLeg.Ended;
            if (end.Reason != SipCallEndReason.LocalHangup)
            {
                await EndInGrainAsync(CallParty.Caller, CallOutcome.Failed, "the customer hung up");
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException or MediaException)
        {
            logger.LogWarning(ex, "Outbound call {CallId} to {Number} failed", CallId, dial.Number);
            await EndInGrainAsync(CallParty.System, CallOutcome.Failed, ex.Message);
        }
    }

    /// <summary>The agent's phone hung up: the agent grain ends the call (the record first), and its end hangs up the customer.</summary>
    public Task AgentHungUpAsync(AgentLine line) => control.Grains.GetAgent(line.AgentId).Hangup();

    public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

    public Task CallEnded(CallDetailRecord record)
    {
        _ = ReleaseAsync();
        return Task.CompletedTask;
    }

    private async Task EndInGrainAsync(CallParty endedBy, CallOutcome outcomeIfUnanswered, string detail)
    {
        try
        {
            await Grain.End(endedBy, outcomeIfUnanswered, detail);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // The grain's guard ends the call when it hears nothing; the legs go now.
            logger.LogWarning(ex, "Outbound call {CallId}: its end was not reported", CallId);
            await ReleaseAsync();
        }
    }

    /// <summary>The call grain ended the call (record written): both legs go, whichever side is still up.</summary>
    private async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }
        if (_customerLeg is { } customerLeg)
        {
            await customerLeg.DisposeAsync();
        }
        await line.CallEnded(line.AgentId, CallId);
        if (_observer is { } observer)
        {
            _observer = null;
            control.Grains.DeleteObjectReference<ICallObserver>(observer);
        }
        control.Forget(this);
    }
}
