using System.Diagnostics;
using System.Globalization;
using CallCenter.Calls;

namespace CallCenter.LoadTests.Failover;

/// <summary>The callers: place, start (retried with the same id), keep alive, abandon or hang up.</summary>
public sealed partial class FailoverDriver
{
    private enum EndSource
    {
        Notification,
        KeepAliveRecord,
        KeepAliveGone,
    }

    private sealed class CallEntry(int index, string id, CallArrival arrival, ICallGrain grain)
    {
        public readonly Lock Sync = new();
        public int Index { get; } = index;
        public string Id { get; } = id;
        public CallArrival Arrival { get; } = arrival;
        public ICallGrain Grain { get; } = grain;
        public StartStatus? Start;
        public string? StartError;
        public bool StartInFlight;
        public int StartAttempts;
        public bool KeepAliveInFlight;
        public bool HangupPending;
        public bool HangupInFlight;
        public bool Connected;
        public int AgentIndex = -1;
        public bool TalkScheduled;
        public bool Ended;
        public EndSource EndedVia;
        public List<CallOutcome>? Notified;
        public CallOutcome? KeepAliveOutcome;
        public bool ReportedGone;
    }

    private string CallIdOf(int index) => $"fo-{_runTag}-{index + 1:0000000}";

    private int CallIndexOf(string callId)
    {
        var prefix = $"fo-{_runTag}-";
        if (!callId.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(callId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n < 1 || n > Volatile.Read(ref _placed))
        {
            return -1;
        }
        return n - 1;
    }

    private CallEntry? CallAt(int index) => index >= 0 && index < _calls.Length ? Volatile.Read(ref _calls[index]) : null;

    private bool PlaceCall()
    {
        var index = Volatile.Read(ref _placed);
        if (index >= _calls.Length)
        {
            return false;
        }
        var id = CallIdOf(index);
        var queue = Random.Shared.Next(_queues.Length);
        var arrival = new CallArrival
        {
            CallId = id,
            CallerNumber = "9" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture),
            Service = ServiceOf(queue),
        };
        var call = new CallEntry(index, id, arrival, _grains.GetCall(id));
        Volatile.Write(ref _calls[index], call);
        Volatile.Write(ref _placed, index + 1);
        var now = Now;
        Schedule(ActionKind.Patience, index, 0, After(Exponential(_options.PatienceSeconds)));
        Schedule(ActionKind.KeepAlive, index, 0, now + _cycleTicks);
        _ = StartAsync(call);
        return true;
    }

    /// <summary>Starts the call, or retries a start that failed: Start is idempotent, so the same id never makes two calls.</summary>
    private async Task StartAsync(CallEntry call)
    {
        int attempt;
        lock (call.Sync)
        {
            if (call.StartInFlight || call.Start is not null)
            {
                return;
            }
            call.StartInFlight = true;
            attempt = ++call.StartAttempts;
        }
        if (attempt == 2)
        {
            Interlocked.Increment(ref _startRetried);
        }
        var began = Now;
        try
        {
            var result = await call.Grain.Start(call.Arrival, _observer);
            if (attempt == 1)
            {
                _startLatency.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
            }
            lock (call.Sync)
            {
                call.Start = result.Accepted ? StartStatus.Accepted : StartStatus.Rejected;
                call.StartError = result.Error;
            }
            if (result.Accepted)
            {
                Interlocked.Increment(ref _offered);
            }
            else
            {
                Interlocked.Increment(ref _rejected);
                _errors.Note($"start {call.Id}: not accepted: {result.Error}");
            }
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _startFailures);
            _errors.Record("start", call.Id, ex);
        }
        finally
        {
            lock (call.Sync)
            {
                call.StartInFlight = false;
            }
        }
    }

    private void OnKeepAliveDue(int index, long due)
    {
        var call = CallAt(index);
        if (call is null)
        {
            return;
        }
        bool retryStart;
        lock (call.Sync)
        {
            if (call.Ended)
            {
                return;
            }
            retryStart = call.Start is null;
            if (!retryStart && call.KeepAliveInFlight)
            {
                Schedule(ActionKind.KeepAlive, index, 0, due + _cycleTicks);
                return;
            }
            call.KeepAliveInFlight = !retryStart;
        }
        // Every cycle from the due time, not from now: the calls' cycles stay spread out.
        Schedule(ActionKind.KeepAlive, index, 0, Math.Max(due + _cycleTicks, Now + _cycleTicks / 4));
        if (retryStart)
        {
            _ = StartAsync(call);
        }
        else
        {
            _ = KeepAliveAsync(call);
        }
    }

    private async Task KeepAliveAsync(CallEntry call)
    {
        CallSnapshot snapshot;
        var began = Now;
        try
        {
            snapshot = await call.Grain.KeepAlive(_observer);
            _keepAliveLatency.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        catch (Exception ex)
        {
            _errors.Record("keep-alive", call.Id, ex);
            lock (call.Sync)
            {
                call.KeepAliveInFlight = false;
            }
            // A pending hang-up goes out anyway: it may reach a reactivated call sooner.
            ResendHangupIfPending(call);
            return;
        }
        var connectedNow = false;
        lock (call.Sync)
        {
            call.KeepAliveInFlight = false;
            if (snapshot.Record is { } record)
            {
                call.KeepAliveOutcome ??= record.Outcome;
                MarkEnded(call, EndSource.KeepAliveRecord);
            }
            else if (snapshot.State == CallState.Ended)
            {
                if (snapshot.Outcome is { } outcome)
                {
                    call.KeepAliveOutcome ??= outcome;
                }
                MarkEnded(call, EndSource.KeepAliveRecord);
            }
            else if (snapshot.State == CallState.New)
            {
                // The call ended and its record was written, but the notification was lost.
                call.ReportedGone = true;
                MarkEnded(call, EndSource.KeepAliveGone);
            }
            else if (snapshot.State is CallState.Connected or CallState.OnHold && !call.Connected && !PhoneHandles(snapshot.AgentId, call.Id))
            {
                // Connected without the phone knowing (its answer failed in transit): the caller hangs up after the talk time.
                call.Connected = true;
                connectedNow = !call.TalkScheduled;
                call.TalkScheduled = true;
            }
        }
        if (connectedNow)
        {
            Interlocked.Increment(ref _connectedByKeepAlive);
            Schedule(ActionKind.TalkEnd, call.Index, 0, After(Exponential(_options.TalkSeconds)));
        }
        ResendHangupIfPending(call);
    }

    /// <summary>Is the agent's phone answering or on this call (so that it, not the keep-alive, starts the conversation)?</summary>
    private bool PhoneHandles(string? agentId, string callId)
    {
        if (agentId is null || !_agentIndex.TryGetValue(agentId, out var index))
        {
            return false;
        }
        var agent = _agents[index];
        lock (agent.Sync)
        {
            return agent.CallId == callId && agent.State is PhoneState.Answering or PhoneState.OnCall or PhoneState.HangingUp;
        }
    }

    private void ResendHangupIfPending(CallEntry call)
    {
        bool pending;
        lock (call.Sync)
        {
            pending = call.HangupPending && !call.Ended;
        }
        if (pending)
        {
            _ = CallerHangupAsync(call);
        }
    }

    private void OnPatienceExpired(int index)
    {
        var call = CallAt(index);
        if (call is null)
        {
            return;
        }
        lock (call.Sync)
        {
            if (call.Ended || call.Connected)
            {
                return;
            }
        }
        Interlocked.Increment(ref _abandonRequests);
        _ = CallerHangupAsync(call);
    }

    /// <summary>The phone answered: the conversation lasts an exponential talk time.</summary>
    private void OnAnswered(string callId, int agentIndex)
    {
        var call = CallAt(CallIndexOf(callId));
        if (call is null)
        {
            return;
        }
        lock (call.Sync)
        {
            if (call.Ended)
            {
                return;
            }
            call.Connected = true;
            call.AgentIndex = agentIndex;
            if (call.TalkScheduled)
            {
                return;
            }
            call.TalkScheduled = true;
        }
        Schedule(ActionKind.TalkEnd, call.Index, 0, After(Exponential(_options.TalkSeconds)));
    }

    /// <summary>The conversation is over: one side hangs up, chosen at random.</summary>
    private void OnTalkEnded(int index)
    {
        var call = CallAt(index);
        if (call is null)
        {
            return;
        }
        int agent;
        lock (call.Sync)
        {
            if (call.Ended)
            {
                return;
            }
            agent = call.AgentIndex;
        }
        if (agent >= 0 && Random.Shared.NextDouble() < 0.5 && TryAgentHangup(agent, call.Id))
        {
            return;
        }
        Interlocked.Increment(ref _callerHangups);
        _ = CallerHangupAsync(call);
    }

    /// <summary>
    /// The caller hangs up (or abandons). Idempotent on the grain, so until the call is reported
    /// ended the hang-up is pending and goes out again with each keep-alive.
    /// </summary>
    private async Task CallerHangupAsync(CallEntry call)
    {
        lock (call.Sync)
        {
            if (call.Ended)
            {
                return;
            }
            call.HangupPending = true;
            if (call.HangupInFlight)
            {
                return;
            }
            call.HangupInFlight = true;
        }
        try
        {
            await call.Grain.Hangup(CallParty.Caller);
        }
        catch (Exception ex)
        {
            _errors.Record("hangup-caller", call.Id, ex);
        }
        finally
        {
            lock (call.Sync)
            {
                call.HangupInFlight = false;
            }
        }
    }

    private void OnCallEnded(CallDetailRecord record)
    {
        var call = CallAt(CallIndexOf(record.CallId));
        if (call is null)
        {
            Interlocked.Increment(ref _foreignNotifications);
            _errors.Note($"CallEnded for unknown call {record.CallId} ({record.Outcome})");
            return;
        }
        lock (call.Sync)
        {
            (call.Notified ??= []).Add(record.Outcome);
            if (call.Notified.Count > 1)
            {
                _errors.Note($"CallEnded again for {record.CallId}: {string.Join(", ", call.Notified)}");
            }
            MarkEnded(call, EndSource.Notification);
        }
    }

    /// <summary>Call with the call's lock held.</summary>
    private void MarkEnded(CallEntry call, EndSource source)
    {
        if (call.Ended)
        {
            return;
        }
        call.Ended = true;
        call.EndedVia = source;
        Interlocked.Increment(ref _ended);
    }

    /// <summary>What the driver saw of every call it placed, for the reconciliation.</summary>
    public IReadOnlyList<CallObservation> Observations()
    {
        var placed = Placed;
        var list = new List<CallObservation>(placed);
        for (var i = 0; i < placed; i++)
        {
            var call = CallAt(i);
            if (call is null)
            {
                continue;
            }
            lock (call.Sync)
            {
                list.Add(new CallObservation(call.Id, call.Start ?? StartStatus.Unconfirmed,
                    call.Notified is null ? [] : [.. call.Notified], call.KeepAliveOutcome, call.ReportedGone));
            }
        }
        return list;
    }

    /// <summary>Ids of placed calls that have not ended (for the activation survey).</summary>
    public IReadOnlyList<string> LiveCallIds(int max)
    {
        var ids = new List<string>();
        var placed = Placed;
        for (var i = placed - 1; i >= 0 && ids.Count < max; i--)
        {
            if (CallAt(i) is { } call)
            {
                lock (call.Sync)
                {
                    if (!call.Ended && call.Start is not null)
                    {
                        ids.Add(call.Id);
                    }
                }
            }
        }
        return ids;
    }
}
