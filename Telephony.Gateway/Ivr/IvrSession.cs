using System.Collections.Immutable;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>
/// One caller's walk through one menu: a pure state machine. The call control feeds it what happened on the
/// media leg (<see cref="IvrEvent"/>) and executes the <see cref="IvrAction"/>s it returns; timers and playbacks
/// are actions and events, so the session itself never waits, sleeps or reads a socket. The clock is only read
/// by business-hours nodes.
/// </summary>
/// <remarks>
/// Every walk ends with exactly one terminal action (<see cref="ToQueue"/>, <see cref="ToVoicemail"/> or
/// <see cref="HangUp"/>) unless the caller leaves first. Playbacks and timers carry ids so that an event racing
/// with a barge-in (a PromptFinished for a stopped prompt, a timer that fired as a key arrived) is recognised as
/// stale and ignored rather than mistaken for the current one. Events in a state where they mean nothing
/// (a key while the goodbye plays, anything after the end) are ignored too: they are network input and must not
/// fail the call.
/// </remarks>
public sealed class IvrSession
{
    /// <summary>Session variable holding the reason of the last failed lookup.</summary>
    public const string LookupErrorVariable = "lookup.error";

    private enum AfterPlayback { Nothing, AwaitInput, GoToNext }

    private readonly IvrMenu _menu;
    private readonly IvrCallContext _context;
    private readonly TimeProvider _time;
    private ImmutableDictionary<string, string> _variables;
    private int _lastPlaybackId;
    private int _lastTimerId;
    private int? _playback;
    private int? _timer;
    private AfterPlayback _after;
    private string? _afterNext;
    private IReadOnlyList<IvrAction> _pendingTerminal = [];
    private int _failedAttempts;
    private TimeSpan _silence;
    private string _collected = "";

    public IvrSession(IvrMenu menu, IvrCallContext context, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(menu);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(time);
        if (!menu.Nodes.ContainsKey(menu.StartNode))
            throw new ArgumentException($"menu '{menu.Id}' has no start node (a survey-only menu is run by SurveySession)", nameof(menu));
        _menu = menu;
        _context = context;
        _time = time;
        AttachedData = context.AttachedData ?? ImmutableDictionary<string, string>.Empty;
        _variables = AttachedData.SetItem("caller", context.CallerNumber).SetItem("dialled", context.DialledNumber);
        Language = context.PreferredLanguage is { } preferred && menu.Languages.Contains(preferred) ? preferred : menu.DefaultLanguage;
    }

    public IvrSessionState State { get; private set; } = IvrSessionState.Created;

    /// <summary>Data that travels with the call to the agent: the context's data plus collected numbers and attached lookup fields.</summary>
    public ImmutableDictionary<string, string> AttachedData { get; private set; }

    /// <summary>Collected digits, lookup results, "caller" and "dialled".</summary>
    public ImmutableDictionary<string, string> Variables => _variables;

    public string Language { get; private set; }

    public string? CurrentNode { get; private set; }

    public IvrMenu Menu => _menu;

    public IReadOnlyList<IvrAction> Start()
    {
        if (State != IvrSessionState.Created)
            throw new InvalidOperationException($"the IVR session was already started (state {State})");
        var actions = new List<IvrAction>();
        Enter(_menu.StartNode, actions, depth: 0);
        return actions;
    }

    /// <summary>
    /// Starts the menu at <paramref name="nodeId"/> rather than its start node: an agent sent the caller back to the
    /// IVR there (transfer to an IVR node, CTI-2), and the menu goes on from it.
    /// </summary>
    public IReadOnlyList<IvrAction> StartAt(string nodeId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        if (!_menu.Nodes.ContainsKey(nodeId))
            throw new ArgumentException($"menu '{_menu.Id}' has no node '{nodeId}'", nameof(nodeId));
        if (State != IvrSessionState.Created)
            throw new InvalidOperationException($"the IVR session was already started (state {State})");
        var actions = new List<IvrAction>();
        Enter(nodeId, actions, depth: 0);
        return actions;
    }

    public IReadOnlyList<IvrAction> Handle(IvrEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (State == IvrSessionState.Created)
            throw new InvalidOperationException("the IVR session has not been started");
        var actions = new List<IvrAction>();
        switch (e)
        {
            case PromptFinished finished when finished.PlaybackId == _playback:
                OnPromptFinished(actions);
                break;
            case InputTimedOut timedOut when timedOut.TimerId == _timer && State == IvrSessionState.WaitingForInput:
                OnInputTimedOut(actions);
                break;
            case DigitPressed digit when State is IvrSessionState.Playing or IvrSessionState.WaitingForInput or IvrSessionState.WaitingForLookup:
                OnDigit(digit.Digit, actions);
                break;
            case LookupCompleted completed when State == IvrSessionState.WaitingForLookup:
                OnLookupCompleted(completed.Result ?? ImmutableDictionary<string, string>.Empty, actions);
                break;
            case LookupFailed failed when State == IvrSessionState.WaitingForLookup:
                _variables = _variables.SetItem(LookupErrorVariable, failed.Reason ?? "");
                Enter(((LookupNode)Current).Failed, actions, depth: 0);
                break;
        }
        return actions;
    }

    private IvrNode Current => _menu.Nodes[CurrentNode!];

    private void OnPromptFinished(List<IvrAction> actions)
    {
        _playback = null;
        switch (State)
        {
            case IvrSessionState.Playing when _after == AfterPlayback.AwaitInput:
                AwaitInput(actions);
                break;
            case IvrSessionState.Playing when _after == AfterPlayback.GoToNext:
                Enter(_afterNext!, actions, depth: 0);
                break;
            case IvrSessionState.Finishing:
                actions.AddRange(_pendingTerminal);
                State = IvrSessionState.Finished;
                break;
        }
    }

    private void OnInputTimedOut(List<IvrAction> actions)
    {
        _timer = null;
        var input = InputOf(Current);
        _silence += input.Timeout;
        // IVR-1: a caller who presses nothing for the menu's silence limit (60 s on the 1000 hotline) is released,
        // however the menu's retries are arranged.
        if (_silence >= _menu.MaxSilence)
        {
            HangUpWithGoodbye("no-input", actions);
            return;
        }
        if (Current is CollectNode collect && _collected.Length >= collect.MinLength && _collected.Length <= collect.MaxLength)
        {
            Accept(collect, actions);
            return;
        }
        Retry(input.NoInputPrompts, "no-input", actions);
    }

    private void OnDigit(char digit, List<IvrAction> actions)
    {
        _silence = TimeSpan.Zero;
        var node = Current;
        if (IsAgentKey(digit, node))
        {
            Leave(actions);
            Finish([], [new ToQueue(_menu.AgentService, Priority(0), ImmutableDictionary<string, int>.Empty, AttachedData, Language)], actions);
            return;
        }
        if (State == IvrSessionState.WaitingForLookup)
            return;
        switch (node)
        {
            case MenuNode menu:
                var option = menu.Options.FirstOrDefault(o => o.Digit == digit);
                if (option is null)
                {
                    Retry(menu.Input.InvalidPrompts, "invalid-input", actions);
                    return;
                }
                if (option.Language is { } language)
                    Language = language;
                Enter(option.Goto, actions, depth: 0);
                break;
            case CollectNode collect:
                Leave(actions);
                if (digit == collect.Terminator)
                {
                    if (_collected.Length >= collect.MinLength)
                        Accept(collect, actions);
                    else
                        Retry(collect.Input.InvalidPrompts, "invalid-input", actions);
                }
                else if (char.IsAsciiDigit(digit))
                {
                    _collected += digit;
                    if (_collected.Length == collect.MaxLength)
                        Accept(collect, actions);
                    else
                        AwaitInput(actions); // inter-digit timeout
                }
                else
                    Retry(collect.Input.InvalidPrompts, "invalid-input", actions);
                break;
        }
    }

    /// <summary>The agent key works from every node, except where the node itself uses that key: a menu option,
    /// or a digit inside a number the caller has started typing.</summary>
    private bool IsAgentKey(char digit, IvrNode node) =>
        _menu.AgentKey == digit && node switch
        {
            MenuNode menu => menu.Options.All(o => o.Digit != digit),
            CollectNode => _collected.Length == 0,
            _ => true,
        };

    private void Accept(CollectNode collect, List<IvrAction> actions)
    {
        var value = _collected;
        _variables = _variables.SetItem(collect.Variable, value);
        if (collect.Attach)
            AttachedData = AttachedData.SetItem(collect.Variable, value);
        Enter(collect.Next, actions, depth: 0);
    }

    private void OnLookupCompleted(IReadOnlyDictionary<string, string> result, List<IvrAction> actions)
    {
        var lookup = (LookupNode)Current;
        foreach (var (key, value) in result)
            if (key is not null && value is not null)
                _variables = _variables.SetItem(key, value);
        foreach (var field in lookup.Attach)
            if (result.TryGetValue(field, out var value) && value is not null)
                AttachedData = AttachedData.SetItem(field, value);
        var branch = lookup.Branches.FirstOrDefault(b => result.TryGetValue(b.Field, out var v) && v == b.Value);
        Enter(branch?.Goto ?? lookup.Next, actions, depth: 0);
    }

    private void Retry(ImmutableArray<PromptItem> why, string reason, List<IvrAction> actions)
    {
        Leave(actions);
        _collected = "";
        var node = Current;
        var input = InputOf(node);
        if (++_failedAttempts > input.Retries)
        {
            if (input.ExhaustedNext is { } next)
                Enter(next, actions, depth: 0);
            else
                HangUpWithGoodbye(reason, actions);
            return;
        }
        PlayThenAwait([.. why, .. node.Prompts], actions);
    }

    private void Enter(string nodeId, List<IvrAction> actions, int depth)
    {
        Leave(actions);
        CurrentNode = nodeId;
        _failedAttempts = 0;
        _collected = "";
        // Only prompt-less nodes (hours branches) chain without waiting for an event; a cycle of them is a menu bug.
        if (depth > _menu.Nodes.Count)
        {
            Finish([], [new HangUp("menu-loop")], actions);
            return;
        }
        switch (_menu.Nodes[nodeId])
        {
            case MenuNode or CollectNode:
                PlayThenAwait(Current.Prompts, actions);
                break;
            case LookupNode lookup:
                var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (argument, variable) in lookup.Arguments)
                {
                    if (!_variables.TryGetValue(variable, out var value))
                    {
                        _variables = _variables.SetItem(LookupErrorVariable, $"no value for '{variable}'");
                        Enter(lookup.Failed, actions, depth + 1);
                        return;
                    }
                    arguments[argument] = value;
                }
                actions.Add(new LookupRequest(lookup.Service, arguments));
                State = IvrSessionState.WaitingForLookup;
                StartPlayback(lookup.Prompts, bargeIn: true, AfterPlayback.Nothing, null, actions);
                break;
            case BusinessHoursNode hours:
                var open = _menu.BusinessHours?.IsOpen(_time.GetUtcNow()) ?? true;
                Enter(open ? hours.Open : hours.Closed, actions, depth + 1);
                break;
            case PlayNode play:
                State = IvrSessionState.Playing;
                if (!StartPlayback(play.Prompts, bargeIn: true, AfterPlayback.GoToNext, play.Next, actions))
                    Enter(play.Next, actions, depth + 1);
                break;
            case QueueNode queue:
                Finish(queue.Prompts, [new ToQueue(queue.Service, Priority(queue.Priority), queue.RequiredSkills, AttachedData, Language)], actions);
                break;
            case VoicemailNode voicemail:
                Finish(voicemail.Prompts, [new ToVoicemail(voicemail.Service, AttachedData, Language)], actions);
                break;
            case CallbackNode callback:
                Finish(callback.Prompts,
                    [new CallbackRequested(callback.Service, _context.CallerNumber, AttachedData, Language), new HangUp("callback-requested")], actions);
                break;
            case HangUpNode hangUp:
                Finish(hangUp.Prompts, [new HangUp(hangUp.Reason)], actions);
                break;
        }
    }

    private int Priority(int nodePriority) => _context.IsVip ? Math.Max(nodePriority, _menu.VipPriority) : nodePriority;

    private void HangUpWithGoodbye(string reason, List<IvrAction> actions)
    {
        Leave(actions);
        Finish(_menu.GoodbyePrompts, [new HangUp(reason)], actions);
    }

    private void PlayThenAwait(ImmutableArray<PromptItem> prompts, List<IvrAction> actions)
    {
        State = IvrSessionState.Playing;
        if (!StartPlayback(prompts, bargeIn: true, AfterPlayback.AwaitInput, null, actions))
            AwaitInput(actions);
    }

    private void AwaitInput(List<IvrAction> actions)
    {
        _timer = ++_lastTimerId;
        actions.Add(new StartInputTimer(InputOf(Current).Timeout, _timer.Value));
        State = IvrSessionState.WaitingForInput;
    }

    /// <summary>Plays the last prompts (no barge-in: the caller should hear "goodbye" or "transferring") and then the terminal actions.</summary>
    private void Finish(ImmutableArray<PromptItem> prompts, IReadOnlyList<IvrAction> terminal, List<IvrAction> actions)
    {
        _pendingTerminal = terminal;
        State = IvrSessionState.Finishing;
        if (!StartPlayback(prompts, bargeIn: false, AfterPlayback.Nothing, null, actions))
        {
            actions.AddRange(terminal);
            State = IvrSessionState.Finished;
        }
    }

    private bool StartPlayback(ImmutableArray<PromptItem> prompts, bool bargeIn, AfterPlayback after, string? next, List<IvrAction> actions)
    {
        var refs = Resolve(prompts);
        if (refs.Count == 0)
            return false;
        _playback = ++_lastPlaybackId;
        _after = after;
        _afterNext = next;
        actions.Add(new PlayPrompts(refs, bargeIn, _playback.Value));
        return true;
    }

    /// <summary>Stops what the current node started: its playback and its input timer.</summary>
    private void Leave(List<IvrAction> actions)
    {
        if (_playback is { } playback)
            actions.Add(new StopPrompts(playback));
        if (_timer is { } timer)
            actions.Add(new CancelInputTimer(timer));
        _playback = null;
        _timer = null;
    }

    private List<PromptRef> Resolve(ImmutableArray<PromptItem> prompts)
    {
        var refs = new List<PromptRef>();
        foreach (var item in prompts)
        {
            if (item is PlayPrompt { Language: { } pinned } pinnedPrompt)
            {
                refs.Add(new PromptRef(pinnedPrompt.PromptId, pinned));
                continue;
            }
            IEnumerable<string> ids = item switch
            {
                PlayPrompt p => [p.PromptId],
                SayDigits d => _variables.TryGetValue(d.Variable, out var v) ? NumberReadout.Digits(v) : [],
                SayAmount a => _variables.TryGetValue(a.Variable, out var v) ? NumberReadout.Amount(v) : [],
                _ => [],
            };
            refs.AddRange(ids.Select(id => new PromptRef(id, Language)));
        }
        return refs;
    }

    private static InputPolicy InputOf(IvrNode node) => node switch
    {
        MenuNode m => m.Input,
        CollectNode c => c.Input,
        _ => throw new InvalidOperationException($"node '{node.Id}' does not take input"),
    };
}
