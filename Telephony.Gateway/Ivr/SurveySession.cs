using System.Collections.Immutable;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>
/// The post-call satisfaction survey (IVR-3): "press 1 to 5". Uses the same actions and events as
/// <see cref="IvrSession"/>. A valid key emits <see cref="SurveyAnswered"/> at once (so the score is kept even if the
/// caller hangs up during the thanks), then the thanks prompt, then <see cref="HangUp"/>("survey-complete").
/// A wrong key or silence re-asks up to the survey's retries; after that the call ends with
/// <see cref="HangUp"/>("survey-no-answer") and no score.
/// </summary>
public sealed class SurveySession
{
    private readonly SurveySettings _survey;
    private int _lastPlaybackId;
    private int _lastTimerId;
    private int? _playback;
    private int? _timer;
    private int _failedAttempts;
    private IReadOnlyList<IvrAction> _pendingTerminal = [];

    /// <param name="surveyMenu">A menu file with a "survey" section (see <see cref="IvrMenuCatalog.Survey"/>).</param>
    /// <param name="language">The language the caller used; falls back to the survey's default language.</param>
    public SurveySession(IvrMenu surveyMenu, string language)
    {
        ArgumentNullException.ThrowIfNull(surveyMenu);
        _survey = surveyMenu.Survey ?? throw new ArgumentException($"menu '{surveyMenu.Id}' has no survey section", nameof(surveyMenu));
        Language = surveyMenu.Languages.Contains(language) ? language : surveyMenu.DefaultLanguage;
    }

    public IvrSessionState State { get; private set; } = IvrSessionState.Created;

    public string Language { get; }

    /// <summary>The score once answered.</summary>
    public int? Score { get; private set; }

    public IReadOnlyList<IvrAction> Start()
    {
        if (State != IvrSessionState.Created)
            throw new InvalidOperationException($"the survey was already started (state {State})");
        var actions = new List<IvrAction>();
        Ask(_survey.Question, actions);
        return actions;
    }

    public IReadOnlyList<IvrAction> Handle(IvrEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (State == IvrSessionState.Created)
            throw new InvalidOperationException("the survey has not been started");
        var actions = new List<IvrAction>();
        switch (e)
        {
            case PromptFinished finished when finished.PlaybackId == _playback:
                _playback = null;
                if (State == IvrSessionState.Finishing)
                {
                    actions.AddRange(_pendingTerminal);
                    State = IvrSessionState.Finished;
                }
                else if (State == IvrSessionState.Playing)
                    AwaitKey(actions);
                break;
            case InputTimedOut timedOut when timedOut.TimerId == _timer && State == IvrSessionState.WaitingForInput:
                _timer = null;
                Retry(actions);
                break;
            case DigitPressed digit when State is IvrSessionState.Playing or IvrSessionState.WaitingForInput:
                Leave(actions);
                var score = digit.Digit - '0';
                if (score >= _survey.MinScore && score <= _survey.MaxScore && char.IsAsciiDigit(digit.Digit))
                {
                    Score = score;
                    actions.Add(new SurveyAnswered(score));
                    Finish(_survey.Thanks, "survey-complete", actions);
                }
                else
                    Retry(actions);
                break;
        }
        return actions;
    }

    private void Retry(List<IvrAction> actions)
    {
        if (++_failedAttempts > _survey.Retries)
            Finish([], "survey-no-answer", actions);
        else
            Ask([.. _survey.Invalid, .. _survey.Question], actions);
    }

    private void Ask(ImmutableArray<PromptItem> prompts, List<IvrAction> actions)
    {
        State = IvrSessionState.Playing;
        if (!Play(prompts, bargeIn: true, actions))
            AwaitKey(actions);
    }

    private void AwaitKey(List<IvrAction> actions)
    {
        _timer = ++_lastTimerId;
        actions.Add(new StartInputTimer(_survey.Timeout, _timer.Value));
        State = IvrSessionState.WaitingForInput;
    }

    private void Finish(ImmutableArray<PromptItem> prompts, string reason, List<IvrAction> actions)
    {
        _pendingTerminal = [new HangUp(reason)];
        State = IvrSessionState.Finishing;
        if (!Play(prompts, bargeIn: false, actions))
        {
            actions.AddRange(_pendingTerminal);
            State = IvrSessionState.Finished;
        }
    }

    private bool Play(ImmutableArray<PromptItem> prompts, bool bargeIn, List<IvrAction> actions)
    {
        // A survey has no variables: only recorded prompts are played.
        var refs = prompts.OfType<PlayPrompt>().Select(p => new PromptRef(p.PromptId, p.Language ?? Language)).ToList();
        if (refs.Count == 0)
            return false;
        _playback = ++_lastPlaybackId;
        actions.Add(new PlayPrompts(refs, bargeIn, _playback.Value));
        return true;
    }

    private void Leave(List<IvrAction> actions)
    {
        if (_playback is { } playback)
            actions.Add(new StopPrompts(playback));
        if (_timer is { } timer)
            actions.Add(new CancelInputTimer(timer));
        _playback = null;
        _timer = null;
    }
}
