using System.Collections.Immutable;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// A callback the caller asked for (ACD-6): a call of its own that waits in the caller's queue in
/// the caller's place; when an agent answers it, the gateway calls the customer back at the address
/// they called from and bridges the two. The original call already has its record (outcome Callback).
/// </summary>
public sealed class CallbackSession : ICallerSide, ICallObserver
{
    private readonly CallControl _control;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly (Telephony.Sip.Messages.SipUri Uri, IPEndPoint Source, Telephony.Sip.Transport.SipTransportProtocol Transport) _customer;
    private readonly CallArrival _arrival;
    private ICallObserver? _observer;
    private CustomerLeg? _customerLeg;
    private AgentLine? _agent;

    public CallbackSession(CallControl control, CallerSession from, string service, ImmutableDictionary<string, string> attached, ILogger logger)
    {
        _control = control;
        _logger = logger;
        _customer = from.ReturnAddress;
        CallId = $"cb-{from.CallId}";
        _arrival = new CallArrival
        {
            CallId = CallId,
            CallerNumber = from.CallerNumber,
            Service = service,
            AttachedData = attached.SetItem("callback.for", from.CallId).SetItem("callback.number", from.CallerNumber),
        };
    }

    public string CallId { get; }

    private ICallGrain Grain => _control.Grains.GetCall(CallId);

    public async Task StartAsync()
    {
        try
        {
            _observer = _control.Grains.CreateObjectReference<ICallObserver>(this);
            var result = await Grain.Start(_arrival, _observer);
            if (!result.Accepted)
            {
                _logger.LogWarning("Callback {CallId} was refused by the ACD: {Error}", CallId, result.Error);
                Release();
                return;
            }
            _logger.LogInformation("Callback {CallId} for {Number} waits in queue {QueueId}", CallId, _arrival.CallerNumber, result.QueueId);
            while (!_lifetime.IsCancellationRequested)
            {
                await Task.Delay(CallControl.KeepAliveInterval, _control.Time, _lifetime.Token);
                var snapshot = await Grain.KeepAlive(_observer);
                if (snapshot.State is CallState.New or CallState.Ended)
                {
                    Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Callback {CallId} stopped", CallId);
        }
    }

    public Task<bool> AgentConnectedAsync(AgentLine line, RtpLeg agentLeg)
    {
        _agent = line;
        _ = DialCustomerAsync(line, agentLeg);
        return Task.FromResult(true);
    }

    private async Task DialCustomerAsync(AgentLine line, RtpLeg agentLeg)
    {
        // The agent hears ringback while the customer's phone rings.
        agentLeg.Play(CallControl.Ringback());
        try
        {
            _customerLeg = new CustomerLeg(_control, CallId, _logger);
            var dialled = _arrival.AttachedData.GetValueOrDefault("dialled") ?? _arrival.Service;
            var result = await _customerLeg.DialAsync(new CustomerAddress(_customer.Uri, _customer.Source, _customer.Transport), dialled, ringLimit: null);
            if (!result.Answered)
            {
                await Grain.Hangup(CallParty.System);
                return;
            }
            if (_customerLeg.Bridge(agentLeg) is { } path)
            {
                await Grain.AttachRecording(path);
            }
            var end = await _customerLeg.Ended;
            if (end.Reason != SipCallEndReason.LocalHangup)
            {
                await Grain.Hangup(CallParty.Caller);
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException or MediaException)
        {
            _logger.LogWarning(ex, "Callback {CallId} failed", CallId);
            try { await Grain.Hangup(CallParty.System); } catch (Exception inner) when (inner is OrleansException or TimeoutException) { }
        }
    }

    public async Task AgentHungUpAsync(AgentLine line)
    {
        await _control.Grains.GetAgent(line.AgentId).Hangup();
    }

    public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

    public Task CallEnded(CallDetailRecord record)
    {
        _ = EndAsync();
        return Task.CompletedTask;
    }

    private async Task EndAsync()
    {
        if (_customerLeg is { } leg)
        {
            await leg.DisposeAsync();
        }
        Release();
    }

    private void Release()
    {
        _lifetime.Cancel();
        if (_observer is { } observer)
        {
            _observer = null;
            _control.Grains.DeleteObjectReference<ICallObserver>(observer);
        }
        _control.Forget(this);
    }
}
