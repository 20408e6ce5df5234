using System.Collections.Immutable;
using CallCenter.Calls;
using CallCenter.Telephony.Gateway.Ivr;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Sdp;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>The side of a call that waits for an agent: a caller on a SIP leg, or a callback to place.</summary>
public interface ICallerSide
{
    string CallId { get; }

    /// <summary>The agent's phone answered and the agent won the call: connect the agent's leg. False when the caller is gone.</summary>
    Task<bool> AgentConnectedAsync(AgentLine line, RtpLeg agentLeg);

    /// <summary>The agent's phone hung up the connected call.</summary>
    Task AgentHungUpAsync(AgentLine line);
}

/// <summary>Where a caller's call is, from the gateway's point of view.</summary>
public enum CallerPhase
{
    Answering,
    Ivr,
    Queued,
    Connected,
    Survey,
    Voicemail,
    Ended,
}

/// <summary>
/// One caller on a SIP leg: answers, walks the IVR, puts the call in the ACD with what the IVR
/// collected, plays music and position announcements while it waits (1 = callback, 2 = voicemail,
/// ACD-6), bridges the agent who answers and records both sides, runs the survey when the agent
/// hangs up first, and keeps the call grain alive until it has ended. The call grain decides; this
/// class only carries out and reports.
/// </summary>
public sealed class CallerSession : ICallerSide, ICallObserver, ICallMediaHost
{
    private readonly CallControl _control;
    private readonly IncomingCall _sip;
    private readonly IvrMenu _menu;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly DateTimeOffset _arrivedAt;
    private readonly object _gate = new();
    private RtpLeg? _leg;
    private ICallObserver? _observer;
    private ICallMediaHost? _mediaHost;
    // The agent whose desktop hands the caller on: its phone leg stays up (silent) until the call grain says how it went.
    private (AgentLine Line, RtpLeg Leg)? _handingOver;
    private string? _remoteHandOver;
    private readonly TaskCompletionSource _recordReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan ObserverGrace = TimeSpan.FromSeconds(30);
    private CancellationTokenSource? _waiting;
    private MediaBridge? _bridge;
    /// <summary>The mixer, while supervisors are on the call (a plain bridge carries caller and agent alone).</summary>
    private Conference? _conference;
    private readonly List<RtpLeg> _mixed = [];
    private bool _held;
    /// <summary>Supervisors' phones rung into this call (WB-2), by supervisor id.</summary>
    private readonly Dictionary<string, SupervisorCall> _supervisors = new(StringComparer.Ordinal);
    private CallRecording? _recording;
    private AgentLine? _agent;
    private RtpLeg? _agentLeg;
    /// <summary>Agents added to the conversation (three-way conference, CTI-2) beside the lead agent.</summary>
    private readonly List<(AgentLine Line, RtpLeg Leg)> _addedAgents = [];
    private CallArrival? _arrival;
    private IvrSession? _ivr;
    private string _language;
    /// <summary>How many agents' conversations were recorded: each after a transfer gets its own file.</summary>
    private int _recordings;
    /// <summary>The lead agent's consultation of another agent (attended transfer); the caller hears music meanwhile.</summary>
    private ConsultCall? _consult;

    public CallerSession(CallControl control, IncomingCall sip, IvrMenu menu, string callId, ILogger logger)
    {
        _control = control;
        _sip = sip;
        _menu = menu;
        _logger = logger;
        CallId = callId;
        _arrivedAt = control.Time.GetUtcNow();
        _language = menu.DefaultLanguage;
        CallerNumber = CallerNumberOf(sip);
    }

    public string CallId { get; }

    public string CallerNumber { get; }

    public CallerPhase Phase { get; private set; } = CallerPhase.Answering;

    /// <summary>The supervisors rung into this call, their role in the mix and the RTP exchanged with their phones.</summary>
    public IReadOnlyList<SupervisorLegState> Supervisors
    {
        get
        {
            lock (_gate)
            {
                return [.. _supervisors.Values.Select(s => new SupervisorLegState(s.SupervisorId, s.Mode, s.Joined,
                    _conference?.RoleOf(s.Leg), s.Leg.PacketsSent, s.Leg.PacketsReceived))];
            }
        }
    }

    /// <summary>The agents talking with the caller: the lead agent first.</summary>
    public IReadOnlyList<string> AgentsOnCall
    {
        get
        {
            lock (_gate)
            {
                return _agent is null ? [] : [_agent.AgentId, .. _addedAgents.Select(a => a.Line.AgentId)];
            }
        }
    }

    /// <summary>Whether the caller and the agent talk through the mixer (with supervisors) rather than a bridge.</summary>
    public bool IsMixed
    {
        get
        {
            lock (_gate)
            {
                return _conference is not null;
            }
        }
    }

    /// <summary>The agent being consulted for an attended transfer (ringing or talking with the lead agent), if any.</summary>
    public string? ConsultedAgent
    {
        get
        {
            lock (_gate)
            {
                return _consult?.TargetAgentId;
            }
        }
    }

    /// <summary>Whether the caller hears music rather than an agent (held by the agent's phone, or waiting out a consultation).</summary>
    public bool IsCallerHeld
    {
        get
        {
            lock (_gate)
            {
                return _held || _consult is not null;
            }
        }
    }

    /// <summary>The IVR node the caller is at, while the menu runs (first, or again after a transfer to an IVR node).</summary>
    public string? IvrNode => Phase == CallerPhase.Ivr ? _ivr?.CurrentNode : null;

    /// <summary>Whether the caller's menu has <paramref name="nodeId"/> (a transfer to an IVR node names one).</summary>
    public bool HasIvrNode(string nodeId) => _menu.Nodes.ContainsKey(nodeId);

    /// <summary>Whether the call grain knows this call (it entered a queue).</summary>
    private bool InAcd => _arrival is not null;

    private ICallGrain Grain => _control.Grains.GetCall(CallId);

    public static string CallerNumberOf(IncomingCall sip)
    {
        var user = sip.From.Uri.User;
        return string.IsNullOrWhiteSpace(user) ? "anonymous" : user;
    }

    public async Task RunAsync()
    {
        try
        {
            if (!await AnswerAsync())
            {
                // Cancelled while ringing, or refused (no codec, no port): never answered, nothing to record.
                _control.Forget(this);
                return;
            }
            _ = WatchCallerAsync();
            var session = new IvrSession(_menu, new IvrCallContext(CallerNumber, _sip.CalledUser), _control.Time);
            _ivr = session;
            var outcome = await Runner().RunAsync(session.Start, session.Handle, _lifetime.Token);
            _language = session.Language;
            _logger.LogDebug("Call {CallId} from {Caller} left the IVR at {Node}: {Outcome}", CallId, CallerNumber, session.CurrentNode, outcome.Terminal);
            switch (outcome.Terminal)
            {
                case ToQueue queue:
                    await EnterQueueAsync(queue);
                    break;
                case ToVoicemail voicemail:
                    await EndInIvrAsync(voicemail.AttachedData, CallOutcome.Voicemail, "voicemail from the menu");
                    await RecordVoicemailAsync();
                    break;
                case HangUp hangUp when outcome.Callback is { } callback:
                    await EndInIvrAsync(callback.AttachedData, CallOutcome.Callback, "callback requested in the menu");
                    _control.ScheduleCallback(this, callback.Service, callback.AttachedData);
                    await HangUpCallerAsync();
                    break;
                case HangUp hangUp:
                    await EndInIvrAsync(session.AttachedData, CallOutcome.Completed, $"ended in the IVR: {hangUp.Reason}");
                    await HangUpCallerAsync();
                    break;
            }
        }
        catch (Exception ex) when (_lifetime.IsCancellationRequested && ex is OperationCanceledException or MediaException)
        {
            // The caller hung up; WatchCallerAsync reports it. Its leg may be closed before the queue loop sees the
            // cancellation (a Play on the closed leg throws): that is the same hang-up, not a gateway failure.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Call {CallId} failed in the gateway", CallId);
            await FailAsync(ex.Message);
        }
    }

    private async Task<bool> AnswerAsync()
    {
        if (_sip.Offer is not { } offer)
        {
            // An INVITE without SDP wants our offer in the 200; the demo gateway asks for an offer instead.
            _sip.Reject(488, "Not Acceptable Here (an SDP offer is required)");
            return false;
        }
        if (await AdmissionAsync() is { Open: false } shut)
        {
            // Call gapping: refused before it is answered, so the caller's network may retry later
            // or elsewhere; the calls already admitted keep the cluster's capacity.
            _logger.LogInformation("Call {CallId} refused at the door: {Reason}", CallId, shut.Reason);
            _sip.Reject(503, "Service Unavailable (overloaded)", shut.RetryAfterSeconds);
            return false;
        }
        try
        {
            _leg = _control.Media.CreateLeg($"caller-{CallId}");
        }
        catch (MediaException ex)
        {
            _logger.LogWarning(ex, "No media port for call {CallId}", CallId);
            _sip.Reject(503, "Service Unavailable (no media port)");
            return false;
        }
        var answer = new MediaNegotiation(_control.Options.ListenAddress).Answer(offer, _leg);
        if (answer is null)
        {
            _sip.Reject(488, "Not Acceptable Here (PCMU or PCMA required)");
            await _leg.DisposeAsync();
            return false;
        }
        _sip.Ring();
        if (_control.Options.RingSeconds > 0)
        {
            // Ring before answering, as many IVRs do; the caller may still cancel.
            await Task.WhenAny(_sip.Ended, Task.Delay(TimeSpan.FromSeconds(_control.Options.RingSeconds), _control.Time));
            if (_sip.IsCancelled || _sip.State == SipCallState.Ended)
            {
                await _leg.DisposeAsync();
                return false;
            }
        }
        await _sip.AnswerAsync(answer);
        if (_sip.State != SipCallState.Connected)
        {
            await _leg.DisposeAsync();
            return false;
        }
        _sip.OnReinvite = (_, reoffer) => new MediaNegotiation(_control.Options.ListenAddress).Answer(reoffer, _leg) ?? _sip.LocalSdp!;
        _observer = _control.Grains.CreateObjectReference<ICallObserver>(this);
        _mediaHost = _control.Grains.CreateObjectReference<ICallMediaHost>(this);
        Phase = CallerPhase.Ivr;
        return true;
    }

    /// <summary>The cluster's door (admission control); open when it cannot be asked, as before admission control existed.</summary>
    private async Task<AdmissionAnswer?> AdmissionAsync()
    {
        try
        {
            return await _control.Grains.GetCallAdmission().Check();
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            _logger.LogWarning(ex, "Call {CallId}: admission control could not be asked; the call is let in", CallId);
            return null;
        }
    }

    private IvrRunner Runner() => new(_leg!, _control.Prompts, _control.PromptCache, _control.Lookup, _control.Time, _logger);

    private async Task EnterQueueAsync(ToQueue queue)
    {
        _arrival = new CallArrival
        {
            CallId = CallId,
            CallerNumber = CallerNumber,
            Service = queue.Service,
            Priority = queue.Priority,
            RequiredSkills = queue.RequiredSkills,
            AttachedData = queue.AttachedData.SetItem("language", queue.Language).SetItem("dialled", _sip.CalledUser),
        };
        _waiting = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        Phase = CallerPhase.Queued;
        var started = await Grain.Start(_arrival, _observer);
        if (!started.Accepted)
        {
            _logger.LogInformation("Call {CallId} was not accepted by the ACD: {Error}", CallId, started.Error);
            await PlayAsync(["queue-unavailable", "goodbye"]);
            await HangUpCallerAsync();
            return;
        }
        _logger.LogDebug("Call {CallId} waits in queue {QueueId} (region {Region})", CallId, started.QueueId, started.Region);
        if (_mediaHost is { } host)
        {
            try
            {
                // Attached while the caller waits, so supervisors can monitor from the moment an agent answers.
                await Grain.AttachMedia(host);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                _logger.LogWarning(ex, "Call {CallId} cannot be monitored: its media host was not attached", CallId);
            }
        }
        _ = KeepAliveAsync();
        await WaitInQueueAsync(_waiting.Token);
    }

    /// <summary>Music, position announcements and the ACD-6 keys until an agent answers or the call ends.</summary>
    private async Task WaitInQueueAsync(CancellationToken waiting)
    {
        var leg = _leg!;
        var key = new TaskCompletionSource<char>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnDigit(RtpLeg _, char digit)
        {
            if (digit is '1' or '2') key.TrySetResult(digit);
        }
        leg.DigitReceived += OnDigit;
        try
        {
            var announcement = TimeSpan.FromSeconds(_control.Options.AnnouncementSeconds);
            while (!waiting.IsCancellationRequested)
            {
                await AnnouncePositionAsync(waiting);
                leg.Play(_control.HoldMusic());
                var pressed = await Task.WhenAny(key.Task, Task.Delay(announcement, _control.Time, waiting));
                if (pressed == key.Task && !waiting.IsCancellationRequested)
                {
                    await LeaveQueueAsync(key.Task.Result);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested)
        {
            // Connected to an agent, or the call ended.
        }
        finally
        {
            leg.DigitReceived -= OnDigit;
        }
    }

    private async Task AnnouncePositionAsync(CancellationToken waiting)
    {
        if (await _control.PositionOfAsync(CallId) is not { } position)
        {
            return;
        }
        var prompts = new List<string> { "queue-position" };
        prompts.AddRange(NumberReadout.Digits(position.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (position.ExpectedWait > TimeSpan.Zero)
        {
            prompts.Add("queue-expected-wait");
            prompts.AddRange(NumberReadout.Digits(Math.Max(1, (int)Math.Ceiling(position.ExpectedWait.TotalMinutes)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            prompts.Add("queue-minutes");
        }
        prompts.Add("queue-options");
        await PlayAsync(prompts, waiting);
    }

    private async Task LeaveQueueAsync(char key)
    {
        if (key == '1')
        {
            await Grain.RequestCallback();
            _control.ScheduleCallback(this, _arrival!.Service, _arrival.AttachedData);
            await PlayAsync(["callback-confirmed"]);
            await HangUpCallerAsync();
        }
        else
        {
            Phase = CallerPhase.Voicemail;
            await Grain.RequestVoicemail();
            await RecordVoicemailAsync();
        }
    }

    private async Task RecordVoicemailAsync()
    {
        Phase = CallerPhase.Voicemail;
        await PlayAsync(["voicemail-intro"]);
        await _leg!.PlayAsync(AudioSources.Tone(1000, TimeSpan.FromMilliseconds(400)), _lifetime.Token);
        var path = Path.Combine(_control.RecordingFolder, "voicemail", $"{CallId}.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // The caller's own voice, on both channels of the usual stereo file.
        await using (var recording = _control.Media.StartRecording(path, _leg!, _leg!))
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(_control.Options.VoicemailSeconds), _control.Time, _lifetime.Token);
            }
            catch (OperationCanceledException)
            {
                // The caller hung up: the message is complete.
            }
        }
        _logger.LogInformation("Voicemail of call {CallId} saved to {Path}", CallId, path);
        await HangUpCallerAsync();
    }

    public async Task<bool> AgentConnectedAsync(AgentLine line, RtpLeg agentLeg)
    {
        ConsultCall? consulted = null;
        lock (_gate)
        {
            if (_consult is { Target: null } consult && consult.TargetAgentId == line.AgentId && Phase == CallerPhase.Connected)
            {
                // The consulted agent answered: it talks with the consulting agent; the caller keeps hearing music.
                consult.Target = line;
                consult.TargetLeg = agentLeg;
                consult.Bridge = _control.Media.Bridge(consult.Leg, agentLeg);
                consulted = consult;
            }
        }
        if (consulted is not null)
        {
            consulted.SetAnswered(true);
            _logger.LogInformation("Call {CallId}: agent {AgentId} answered agent {FromAgent}'s consultation", CallId, line.AgentId, consulted.From.AgentId);
            return true;
        }
        var joined = false;
        lock (_gate)
        {
            if (Phase == CallerPhase.Connected && _leg is not null && _agent is not null && _agent != line)
            {
                // The call grain let this agent join the conversation (three-way conference).
                _addedAgents.Add((line, agentLeg));
                joined = true;
            }
            else if (Phase != CallerPhase.Queued || _leg is null)
            {
                return false;
            }
            else
            {
                Phase = CallerPhase.Connected;
                _agent = line;
            }
        }
        if (joined)
        {
            ArrangeMedia();
            _logger.LogInformation("Call {CallId}: agent {AgentId} joined the conversation", CallId, line.AgentId);
            return true;
        }
        _waiting?.Cancel();
        _logger.LogDebug("Call {CallId} connected to agent {AgentId}", CallId, line.AgentId);
        await ConverseAsync(agentLeg);
        return true;
    }

    private async Task ConverseAsync(RtpLeg agentLeg)
    {
        lock (_gate)
        {
            _agentLeg = agentLeg;
            _held = false;
        }
        ArrangeMedia();
        await StartRecordingAsync(agentLeg);
    }

    private async Task StartRecordingAsync(RtpLeg agentLeg)
    {
        if (_control.Options.RecordCalls)
        {
            // The first conversation keeps the call's plain file name; later ones (after a transfer) are numbered.
            var count = Interlocked.Increment(ref _recordings);
            var name = count == 1 ? $"{CallId}.wav" : $"{CallId}-{count}.wav";
            var path = Path.Combine(_control.RecordingFolder, _control.Time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _recording = _control.Media.StartRecording(path, _leg!, agentLeg);
            try
            {
                await Grain.AttachRecording(path);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                _logger.LogWarning(ex, "Could not note the recording of call {CallId}", CallId);
            }
        }
    }

    /// <summary>
    /// The agent on <paramref name="line"/> transfers the caller (CTI-2): the caller leaves the bridge
    /// and waits on music, as in the queue, before the call grain rings the target (whose answer
    /// then connects as any agent's does). False when this agent is not talking with the caller.
    /// </summary>
    public async Task<bool> BeginTransferAsync(AgentLine line)
    {
        lock (_gate)
        {
            if (Phase != CallerPhase.Connected || _agent != line || _leg is null || _addedAgents.Count > 0 || _consult is not null)
            {
                // A conference is not transferred, nor a call whose agent consults another (the call grain refuses both too).
                return false;
            }
            Phase = CallerPhase.Queued;
            _agent = null;
        }
        await StopConversationAsync();
        _agentLeg = null;
        _waiting = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        _ = WaitInQueueAsync(_waiting.Token);
        return true;
    }

    /// <summary>The call grain refused the transfer (target not ready, no such queue): the caller is bridged to the same agent again.</summary>
    public async Task TransferRefusedAsync(AgentLine line, RtpLeg agentLeg)
    {
        lock (_gate)
        {
            if (Phase != CallerPhase.Queued || _leg is null)
            {
                return;
            }
            Phase = CallerPhase.Connected;
            _agent = line;
        }
        _waiting?.Cancel();
        await ConverseAsync(agentLeg);
    }

    /// <summary>
    /// The lead agent on <paramref name="line"/> consults <paramref name="targetAgentId"/> from its phone's new call
    /// <paramref name="sip"/> (attended transfer, CTI-2): the caller hears music until the consultation ends or the
    /// caller is handed over. Null when that agent is not talking with the caller alone, or consults already.
    /// </summary>
    public ConsultCall? BeginConsult(AgentLine line, IncomingCall sip, RtpLeg leg, string targetAgentId)
    {
        ConsultCall consult;
        lock (_gate)
        {
            if (Phase != CallerPhase.Connected || _agent != line || _agentLeg is null || _addedAgents.Count > 0 || _consult is not null)
            {
                return null;
            }
            consult = new ConsultCall(line, sip, leg, targetAgentId);
            _consult = consult;
        }
        ArrangeMedia();
        _logger.LogInformation("Call {CallId}: agent {AgentId} consults agent {TargetId}; the caller hears music", CallId, line.AgentId, targetAgentId);
        return consult;
    }

    /// <summary>Whether <paramref name="sip"/> is the consultation the agent on <paramref name="line"/> started (what a REFER's Replaces must name).</summary>
    public bool IsConsultationOf(AgentLine line, SipCall sip)
    {
        lock (_gate)
        {
            return _consult is { } consult && consult.From == line && consult.Sip == sip;
        }
    }

    /// <summary>The consulted agent's phone did not answer (refused, withdrawn or timed out).</summary>
    public void ConsultNotAnswered(AgentLine line)
    {
        ConsultCall? consult;
        lock (_gate)
        {
            consult = _consult is { Target: null } ringing && ringing.TargetAgentId == line.AgentId ? ringing : null;
        }
        consult?.SetAnswered(false);
    }

    /// <summary>
    /// Ends a consultation without a hand-over: its bridge and the consulting phone's leg go (refused with
    /// <paramref name="status"/> if never answered) and the caller talks with the consulting agent again.
    /// </summary>
    public async Task EndConsultAsync(ConsultCall consult, int status, string reason)
    {
        bool current;
        lock (_gate)
        {
            current = _consult == consult;
            if (current)
            {
                _consult = null;
            }
            consult.Bridge?.Dispose();
            consult.Bridge = null;
        }
        if (current)
        {
            ArrangeMedia();
            _logger.LogInformation("Call {CallId}: the consultation of agent {TargetId} ended; the caller is with agent {AgentId} again", CallId, consult.TargetAgentId, consult.From.AgentId);
        }
        await consult.HangUpAsync(status, reason);
    }

    /// <summary>
    /// The consulting agent's phone asked to hand the caller over (REFER with Replaces naming <paramref name="replaced"/>,
    /// RFC 3891): the call grain makes the consulted agent the call's agent, and the caller is bridged to that agent's
    /// leg with a new recording. Returns the finished consultation, whose phone leg the caller ends once the transfer's
    /// final NOTIFY is out; null when <paramref name="replaced"/> is not an answered consultation of this agent or the
    /// call grain refused (nothing changed then).
    /// </summary>
    public async Task<ConsultCall?> CompleteAttendedTransferAsync(AgentLine line, SipCall replaced)
    {
        ConsultCall consult;
        lock (_gate)
        {
            if (_consult is not { } current || current.From != line || current.Sip != replaced || current.Target is null || current.TargetLeg is null)
            {
                return null;
            }
            consult = current;
        }
        TransferResult result;
        try
        {
            result = await _control.Grains.GetAgent(line.AgentId).Transfer(TransferTarget.ToAgent(consult.TargetAgentId));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            result = TransferResult.Refused(ex.Message);
        }
        if (!result.Accepted)
        {
            _logger.LogInformation("Call {CallId}: hand-over from {AgentId} to {TargetId} refused: {Reason}", CallId, line.AgentId, consult.TargetAgentId, result.Reason);
            return null;
        }
        lock (_gate)
        {
            _consult = null;
            consult.Bridge?.Dispose();
            consult.Bridge = null;
            (_agent, _agentLeg, _held) = (consult.Target, consult.TargetLeg, false);
        }
        if (_recording is { } recording)
        {
            _recording = null;
            await recording.DisposeAsync();
        }
        ArrangeMedia();
        await StartRecordingAsync(consult.TargetLeg!);
        _logger.LogInformation("Call {CallId}: attended transfer from agent {AgentId} to agent {TargetId}", CallId, line.AgentId, consult.TargetAgentId);
        return consult;
    }

    /// <summary>The agent's phone put the caller on hold (music) or took them back (bridged again).</summary>
    public void SetHold(bool onHold)
    {
        lock (_gate)
        {
            if (Phase != CallerPhase.Connected || _leg is null || _agentLeg is null || _held == onHold)
            {
                return;
            }
            _held = onHold;
        }
        ArrangeMedia();
    }

    /// <summary>
    /// Puts the conversation's legs where <see cref="ConversationLayout"/> says: a bridge for the caller and the
    /// agent alone, the mixer with each supervisor's role otherwise; a held caller hears music. Called after every
    /// change (answer, hold, a supervisor joining, leaving or changing mode).
    /// </summary>
    private void ArrangeMedia()
    {
        lock (_gate)
        {
            if (Phase != CallerPhase.Connected || _leg is not { } caller || _agentLeg is not { } agent)
            {
                return;
            }
            var supervisors = _supervisors.Values.Where(s => s.Joined && !s.Leg.IsDisposed).Select(s => (s.Leg, s.Mode)).ToList();
            // A caller waiting out a consultation hears music, as a held one does.
            var held = _held || _consult is not null;
            if (_recording is { } recording)
            {
                // A conference's recording has every agent on the agent channel.
                _control.Media.RecordOtherAgents(recording, [.. _addedAgents.Select(a => a.Leg).Where(leg => !leg.IsDisposed)]);
            }
            if (!ConversationLayout.NeedsMixer(1 + _addedAgents.Count, supervisors.Count))
            {
                LeaveMixerLocked();
                if (held)
                {
                    _bridge?.Dispose();
                    _bridge = null;
                    caller.Play(_control.HoldMusic());
                }
                else if (_bridge is null)
                {
                    _bridge = _control.Media.Bridge(caller, agent);
                }
                return;
            }
            _bridge?.Dispose();
            _bridge = null;
            var conference = _conference ??= _control.Media.CreateConference($"call-{CallId}");
            var seats = ConversationLayout.Seats(caller, held, [agent, .. _addedAgents.Select(a => a.Leg)], supervisors);
            foreach (var gone in _mixed.Where(leg => !seats.Any(seat => seat.Leg == leg)).ToList())
            {
                conference.Leave(gone);
                _mixed.Remove(gone);
            }
            if (held)
            {
                caller.Play(_control.HoldMusic());
            }
            foreach (var seat in seats)
            {
                conference.Join(seat.Leg, seat.Role, seat.WhisperTarget);
                if (!_mixed.Contains(seat.Leg)) _mixed.Add(seat.Leg);
            }
        }
    }

    private void LeaveMixerLocked()
    {
        _conference?.Dispose();
        _conference = null;
        _mixed.Clear();
    }

    // ---- ICallMediaHost: supervisors (WB-2) -----------------------------------------------------

    public Task MonitorRequested(string callId, string supervisorId, MonitorMode mode)
    {
        _ = MonitorAsync(supervisorId, mode);
        return Task.CompletedTask;
    }

    public Task<bool> HasIvrNode(string callId, string nodeId) => Task.FromResult(HasIvrNode(nodeId));

    public async Task<bool> BeginHandOver(string callId, string agentId)
    {
        (AgentLine Line, RtpLeg Leg)? local = null;
        CancellationToken music;
        lock (_gate)
        {
            if (_handingOver is not null || _remoteHandOver is not null)
            {
                return false;
            }
            if (Phase == CallerPhase.Queued && _agent is null)
            {
                // The agent's phone REFERred the caller: BeginTransferAsync already took the caller off the conversation.
                return true;
            }
            if (Phase != CallerPhase.Connected || _addedAgents.Count > 0 || _consult is not null)
            {
                return false;
            }
            if (_agent is not null)
            {
                if (_agent.AgentId != agentId || _agentLeg is null)
                {
                    return false;
                }
                local = (_agent, _agentLeg);
                music = default;
            }
            else
            {
                // The agent's phone is not on this gateway (a desktop agent): the caller only leaves the quiet line.
                if (_control.IsLocalAgent(agentId))
                {
                    return false;
                }
                Phase = CallerPhase.Queued;
                _remoteHandOver = agentId;
                _waiting = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                music = _waiting.Token;
            }
        }
        if (local is not { } from)
        {
            // Music outside the lock (playing takes the media engine's lock).
            _ = WaitInQueueAsync(music);
            return true;
        }
        if (!await BeginTransferAsync(from.Line))
        {
            return false;
        }
        lock (_gate)
        {
            _handingOver = from;
        }
        _logger.LogInformation("Call {CallId}: agent {AgentId} hands the caller on from the desktop; the caller hears music", CallId, agentId);
        return true;
    }

    public Task EndHandOver(string callId, string agentId, bool done)
    {
        _ = EndHandOverAsync(agentId, done);
        return Task.CompletedTask;
    }

    private void EndRemoteHandOver(string agentId, bool done)
    {
        lock (_gate)
        {
            if (_remoteHandOver != agentId)
            {
                return;
            }
            _remoteHandOver = null;
            if (done || Phase != CallerPhase.Queued)
            {
                return;
            }
            Phase = CallerPhase.Connected;
        }
        // Refused: back on the quiet line with the same (remote) agent.
        _waiting?.Cancel();
    }

    private async Task EndHandOverAsync(string agentId, bool done)
    {
        (AgentLine Line, RtpLeg Leg)? handingOver;
        lock (_gate)
        {
            handingOver = _handingOver is { } h && h.Line.AgentId == agentId ? h : null;
            if (handingOver is not null)
            {
                _handingOver = null;
            }
        }
        if (handingOver is not { } from)
        {
            EndRemoteHandOver(agentId, done);
            return;
        }
        if (done)
        {
            // The agent's phone did not hang up itself: the gateway ends its leg, as after a desktop transfer to the IVR.
            await from.Line.CallEnded(agentId, CallId);
        }
        else
        {
            await TransferRefusedAsync(from.Line, from.Leg);
        }
    }

    public Task TransferredToIvr(string callId, string nodeId)
    {
        _ = ReturnToIvrAsync(nodeId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// An agent sent the caller back to the IVR at <paramref name="nodeId"/> (CTI-2): the agent's leg goes (from the
    /// desktop the gateway hangs it up; a REFER's leg ends after its NOTIFY), the caller hears that node's prompt and
    /// the menu goes on from there; a queue node queues the call again, any other end ends it as served.
    /// </summary>
    private async Task ReturnToIvrAsync(string nodeId)
    {
        AgentLine? agent;
        lock (_gate)
        {
            if (Phase is not (CallerPhase.Connected or CallerPhase.Queued) || _leg is null)
            {
                return;
            }
            agent = _agent;
            (_agent, _agentLeg, _held) = (null, null, false);
            Phase = CallerPhase.Ivr;
        }
        _waiting?.Cancel();
        await StopConversationAsync();
        if (agent is not null)
        {
            await agent.CallEnded(agent.AgentId, CallId);
        }
        var node = nodeId;
        if (!HasIvrNode(node))
        {
            // Only a transfer from the desktop can name a node the gateway did not check: the menu starts over.
            _logger.LogWarning("Call {CallId}: menu {Menu} has no node {Node}; the caller starts the menu over", CallId, _menu.Id, nodeId);
            node = _menu.StartNode;
        }
        _logger.LogInformation("Call {CallId} is back in the IVR at {Node}", CallId, node);
        try
        {
            var session = new IvrSession(_menu, new IvrCallContext(CallerNumber, _sip.CalledUser, AttachedData: _arrival?.AttachedData, PreferredLanguage: _language), _control.Time);
            _ivr = session;
            var outcome = await Runner().RunAsync(() => session.StartAt(node), session.Handle, _lifetime.Token);
            _language = session.Language;
            _logger.LogInformation("Call {CallId} left the IVR again at {Node}: {Outcome}", CallId, session.CurrentNode, outcome.Terminal);
            switch (outcome.Terminal)
            {
                case ToQueue queue:
                    _waiting = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                    Phase = CallerPhase.Queued;
                    if (!await Grain.QueueFromIvr(queue.Service, queue.AttachedData.SetItem("language", queue.Language)))
                    {
                        await HangUpCallerAsync();
                        return;
                    }
                    await WaitInQueueAsync(_waiting.Token);
                    break;
                case ToVoicemail:
                    await Grain.EndFromIvr(CallOutcome.Voicemail, "voicemail from the menu after a transfer");
                    await RecordVoicemailAsync();
                    break;
                case HangUp when outcome.Callback is { } callback:
                    await Grain.EndFromIvr(CallOutcome.Callback, "callback requested in the menu after a transfer");
                    _control.ScheduleCallback(this, callback.Service, callback.AttachedData);
                    await HangUpCallerAsync();
                    break;
                case HangUp hangUp:
                    await Grain.EndFromIvr(CallOutcome.Completed, $"ended in the IVR after a transfer: {hangUp.Reason}");
                    await HangUpCallerAsync();
                    break;
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // The caller hung up; WatchCallerAsync reports it.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Call {CallId} failed in the IVR after a transfer", CallId);
            await FailAsync(ex.Message);
        }
    }

    public Task MonitorStopped(string callId, string supervisorId)
    {
        SupervisorCall? supervisor;
        lock (_gate)
        {
            if (_supervisors.Remove(supervisorId, out supervisor))
            {
                supervisor.StoppedByCall = true;
            }
        }
        if (supervisor is not null)
        {
            ArrangeMedia();
            _ = supervisor.DisposeAsync().AsTask();
            _logger.LogInformation("Call {CallId}: supervisor {SupervisorId} stopped monitoring", CallId, supervisorId);
        }
        return Task.CompletedTask;
    }

    private async Task MonitorAsync(string supervisorId, MonitorMode mode)
    {
        lock (_gate)
        {
            if (_supervisors.TryGetValue(supervisorId, out var existing))
            {
                existing.Mode = mode;
            }
        }
        if (_supervisors.ContainsKey(supervisorId))
        {
            ArrangeMedia();
            _logger.LogInformation("Call {CallId}: supervisor {SupervisorId} now in {Mode} mode", CallId, supervisorId, mode);
            return;
        }
        if (Phase != CallerPhase.Connected || _control.Sip.Registrar.Lookup(supervisorId) is not { } registration)
        {
            _logger.LogInformation("Call {CallId}: supervisor {SupervisorId}'s phone is not registered here (or the call is not connected)", CallId, supervisorId);
            await ReportMonitorLeftAsync(supervisorId);
            return;
        }
        SupervisorCall supervisor;
        try
        {
            supervisor = SupervisorCall.Ring(_control, registration, CallId, CallerNumber, mode);
        }
        catch (Exception ex) when (ex is MediaException or InvalidOperationException or ArgumentException or IOException)
        {
            _logger.LogWarning(ex, "Call {CallId}: could not ring supervisor {SupervisorId}", CallId, supervisorId);
            await ReportMonitorLeftAsync(supervisorId);
            return;
        }
        bool added;
        lock (_gate)
        {
            added = Phase == CallerPhase.Connected && _supervisors.TryAdd(supervisorId, supervisor);
        }
        if (!added)
        {
            await supervisor.DisposeAsync();
            return;
        }
        _logger.LogInformation("Call {CallId}: ringing supervisor {SupervisorId} to {Mode}", CallId, supervisorId, mode);
        await SuperviseAsync(supervisor);
    }

    /// <summary>From the supervisor's answer to its hang-up; the caller and the agent are never touched.</summary>
    private async Task SuperviseAsync(SupervisorCall supervisor)
    {
        try
        {
            if (await supervisor.AnsweredAsync() && await Grain.MonitorJoined(supervisor.SupervisorId))
            {
                lock (_gate)
                {
                    supervisor.Joined = _supervisors.GetValueOrDefault(supervisor.SupervisorId) == supervisor;
                }
                ArrangeMedia();
                _logger.LogInformation("Call {CallId}: supervisor {SupervisorId} joined ({Mode})", CallId, supervisor.SupervisorId, supervisor.Mode);
                await supervisor.Ended;
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Call {CallId}: supervisor {SupervisorId}'s monitoring failed", CallId, supervisor.SupervisorId);
        }
        lock (_gate)
        {
            if (_supervisors.GetValueOrDefault(supervisor.SupervisorId) == supervisor)
            {
                _supervisors.Remove(supervisor.SupervisorId);
            }
        }
        ArrangeMedia();
        await supervisor.DisposeAsync();
        if (!supervisor.StoppedByCall)
        {
            await ReportMonitorLeftAsync(supervisor.SupervisorId);
        }
    }

    private async Task ReportMonitorLeftAsync(string supervisorId)
    {
        try
        {
            await Grain.MonitorLeft(supervisorId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            _logger.LogDebug(ex, "Call {CallId}: supervisor {SupervisorId}'s leaving not reported", CallId, supervisorId);
        }
    }

    private async Task HangUpSupervisorsAsync()
    {
        SupervisorCall[] supervisors;
        lock (_gate)
        {
            supervisors = [.. _supervisors.Values];
            _supervisors.Clear();
        }
        foreach (var supervisor in supervisors)
        {
            supervisor.StoppedByCall = true;
            await supervisor.DisposeAsync();
        }
    }

    public async Task AgentHungUpAsync(AgentLine line)
    {
        ConsultCall? consultEnded;
        lock (_gate)
        {
            consultEnded = _consult is { } consult && consult.Target == line ? consult : null;
        }
        if (consultEnded is not null)
        {
            // The consulted agent hung up before the hand-over: the caller is the consulting agent's again (RFC 5589 §7).
            try
            {
                await _control.Grains.GetAgent(line.AgentId).Hangup();
            }
            finally
            {
                await EndConsultAsync(consultEnded, SipStatusCodes.TemporarilyUnavailable, "Temporarily Unavailable (the consulted agent hung up)");
            }
            return;
        }
        if (Phase != CallerPhase.Connected)
        {
            return;
        }
        (AgentLine Line, RtpLeg Leg)? lead = null;
        bool leftConference;
        lock (_gate)
        {
            var added = _addedAgents.FindIndex(a => a.Line == line);
            if (added >= 0)
            {
                _addedAgents.RemoveAt(added);
            }
            else if (_agent == line && _addedAgents.Count > 0)
            {
                // The lead agent leaves a conference: the next agent leads (and is the one whispered to and recorded).
                lead = _addedAgents[0];
                _addedAgents.RemoveAt(0);
                (_agent, _agentLeg) = (lead.Value.Line, lead.Value.Leg);
            }
            else if (_agent != line)
            {
                return;
            }
            leftConference = added >= 0 || lead is not null;
        }
        if (leftConference)
        {
            ArrangeMedia();
            _logger.LogInformation("Call {CallId}: agent {AgentId} left the conversation; the caller stays", CallId, line.AgentId);
            if (lead is { } next)
            {
                if (_recording is { } recording)
                {
                    _recording = null;
                    await recording.DisposeAsync();
                }
                await StartRecordingAsync(next.Leg);
            }
            await _control.Grains.GetAgent(line.AgentId).Hangup();
            return;
        }
        await StopConversationAsync();
        if (_control.Options.Survey && _control.SurveyMenu is { } survey && _sip.State == SipCallState.Connected && await Grain.StartSurvey(CallParty.Agent))
        {
            Phase = CallerPhase.Survey;
            _ = RunSurveyAsync(survey);
            return;
        }
        // No survey: the agent's hang-up ends the call; the caller is released when the record is written.
        await _control.Grains.GetAgent(line.AgentId).Hangup();
    }

    private async Task RunSurveyAsync(IvrMenu survey)
    {
        try
        {
            var session = new SurveySession(survey, _language);
            var outcome = await Runner().RunAsync(session.Start, session.Handle, _lifetime.Token);
            await Grain.SurveyAnswered(outcome.SurveyScore);
            await HangUpCallerAsync();
        }
        catch (OperationCanceledException)
        {
            // The caller hung up in the survey: reported by WatchCallerAsync.
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Survey of call {CallId} failed", CallId);
            await HangUpCallerAsync();
        }
    }

    /// <summary>The caller's leg ended (BYE, CANCEL, transport failure): tell the call grain and free the media.</summary>
    private async Task WatchCallerAsync()
    {
        var end = await _sip.Ended;
        _lifetime.Cancel();
        var phase = Phase;
        Phase = CallerPhase.Ended;
        try
        {
            if (end.Reason != SipCallEndReason.LocalHangup)
            {
                switch (phase)
                {
                    case CallerPhase.Ivr when InAcd:
                        // Back in the menu after a transfer to an IVR node: the call grain ends the served call.
                        await Grain.Hangup(CallParty.Caller);
                        break;
                    case CallerPhase.Ivr:
                        await EndInIvrAsync(ImmutableDictionary<string, string>.Empty, CallOutcome.Abandoned, "caller hung up in the IVR");
                        break;
                    case CallerPhase.Queued or CallerPhase.Connected or CallerPhase.Survey when InAcd:
                        await Grain.Hangup(CallParty.Caller);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            // The keep-alive stops now, so a call grain that missed this hang-up ends by its own checks.
            _logger.LogWarning(ex, "Could not report the caller's hang-up of call {CallId}", CallId);
        }
        finally
        {
            await ReleaseAsync();
        }
    }

    private async Task KeepAliveAsync()
    {
        while (!_lifetime.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CallControl.KeepAliveInterval, _control.Time, _lifetime.Token);
                var snapshot = await Grain.KeepAlive(_observer);
                if (snapshot.State is CallState.New or CallState.Ended && Phase is CallerPhase.Queued or CallerPhase.Connected)
                {
                    // The call ended (or was lost with its silo and has its record): release the caller.
                    await HangUpCallerAsync();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                _logger.LogDebug(ex, "Keep-alive of call {CallId} failed; retrying", CallId);
            }
        }
    }

    // ---- ICallObserver -------------------------------------------------------------------------

    public Task CallConnected(string callId, string agentId)
    {
        if (!_control.IsLocalAgent(agentId) && Phase == CallerPhase.Queued)
        {
            // The agent's phone is not on this gateway (a simulated agent of the demo center):
            // the caller hears that they are connected, then a quiet line until the agent hangs up.
            Phase = CallerPhase.Connected;
            _waiting?.Cancel();
            _logger.LogInformation("Call {CallId} connected to agent {AgentId}, whose phone is not on this gateway", CallId, agentId);
            _ = PlayAsync(["connected-remote"]);
        }
        return Task.CompletedTask;
    }

    public Task CallEnded(CallDetailRecord record)
    {
        _recordReceived.TrySetResult();
        if (Phase is CallerPhase.Queued or CallerPhase.Connected)
        {
            _ = EndedByCenterAsync(record);
        }
        return Task.CompletedTask;
    }

    private async Task EndedByCenterAsync(CallDetailRecord record)
    {
        await StopConversationAsync();
        if (record.Outcome is CallOutcome.Voicemail && Phase == CallerPhase.Queued)
        {
            // The queue's maximum wait sent the caller to voicemail (ACD-6).
            _waiting?.Cancel();
            await RecordVoicemailAsync();
            return;
        }
        if (record.Outcome is CallOutcome.Callback && Phase == CallerPhase.Queued)
        {
            _waiting?.Cancel();
            _control.ScheduleCallback(this, _arrival!.Service, _arrival.AttachedData);
            await PlayAsync(["callback-confirmed"]);
        }
        await HangUpCallerAsync();
    }

    // ---- helpers -------------------------------------------------------------------------------

    private async Task PlayAsync(IReadOnlyList<string> promptIds, CancellationToken cancellationToken = default)
    {
        if (_leg is null)
        {
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token, cancellationToken);
        try
        {
            var sources = promptIds.Select(id => AudioSources.Prompt(_control.PromptCache.Get(_control.Prompts.PathOf(new PromptRef(id, _language))))).ToArray();
            await _leg.PlayAsync(AudioSources.Sequence(sources), linked.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or MediaException)
        {
            _logger.LogWarning(ex, "Could not play {Prompts} to call {CallId}", string.Join(",", promptIds), CallId);
        }
    }

    private async Task EndInIvrAsync(ImmutableDictionary<string, string> attached, CallOutcome outcome, string detail)
    {
        var arrival = new CallArrival
        {
            CallId = CallId,
            CallerNumber = CallerNumber,
            Service = _sip.CalledUser,
            AttachedData = attached.SetItem("dialled", _sip.CalledUser),
        };
        try
        {
            await Grain.EndInIvr(arrival, _arrivedAt, outcome, detail, null);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            _logger.LogWarning(ex, "Could not record call {CallId} that ended in the IVR", CallId);
        }
    }

    private async Task StopConversationAsync()
    {
        ConsultCall? consult;
        lock (_gate)
        {
            _bridge?.Dispose();
            _bridge = null;
            LeaveMixerLocked();
            consult = _consult;
            _consult = null;
            consult?.Bridge?.Dispose();
        }
        if (consult is not null)
        {
            // The conversation is over: so is its consultation (the call grain releases the consulted agent).
            await consult.HangUpAsync(SipStatusCodes.TemporarilyUnavailable, "Temporarily Unavailable (the call ended)");
        }
        if (_recording is { } recording)
        {
            _recording = null;
            await recording.DisposeAsync();
        }
    }

    private async Task HangUpCallerAsync()
    {
        if (_sip.State != SipCallState.Ended)
        {
            await _sip.HangupAsync();
        }
    }

    private async Task FailAsync(string reason)
    {
        try
        {
            if (InAcd)
            {
                await Grain.Hangup(CallParty.System);
            }
            else if (Phase == CallerPhase.Ivr)
            {
                await EndInIvrAsync(ImmutableDictionary<string, string>.Empty, CallOutcome.Failed, reason);
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Could not report the failure of call {CallId}", CallId);
        }
        await HangUpCallerAsync();
    }

    private async Task ReleaseAsync()
    {
        await StopConversationAsync();
        await HangUpSupervisorsAsync();
        if (_leg is { } leg)
        {
            await leg.DisposeAsync();
        }
        if (_observer is { } observer)
        {
            _observer = null;
            _ = ReleaseObserverAsync(observer, _mediaHost);
            _mediaHost = null;
        }
        _control.Forget(this);
    }

    // A caller who hangs up ends the call in the grain, which then sends its record to this observer:
    // keep the reference until the record arrives (or a grace period passes), so that message does
    // not land on a deleted reference.
    private async Task ReleaseObserverAsync(ICallObserver observer, ICallMediaHost? mediaHost)
    {
        await Task.WhenAny(_recordReceived.Task, Task.Delay(ObserverGrace, _control.Time));
        _control.Grains.DeleteObjectReference<ICallObserver>(observer);
        if (mediaHost is not null)
        {
            _control.Grains.DeleteObjectReference<ICallMediaHost>(mediaHost);
        }
    }

    /// <summary>The caller's SIP URI and address, for calling back (ACD-6).</summary>
    public (Telephony.Sip.Messages.SipUri Uri, IPEndPoint Source, Telephony.Sip.Transport.SipTransportProtocol Transport) ReturnAddress =>
        (_sip.Invite.Contacts.FirstOrDefault()?.Uri ?? _sip.From.Uri, _sip.Source, _sip.Protocol);
}
