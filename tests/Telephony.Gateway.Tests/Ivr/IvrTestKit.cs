using System.Collections.Immutable;
using System.Text.Json.Nodes;
using CallCenter.Telephony.Gateway.Ivr;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

/// <summary>The demo menus as copied to the test output, and clocks at known Beijing times.</summary>
internal static class Demo
{
    public static string MenuFolder => Path.Combine(AppContext.BaseDirectory, "Ivr", "Menus");

    public static string HotlineJson => File.ReadAllText(Path.Combine(MenuFolder, "hotline-1000.json"));

    public static IvrMenu Hotline => IvrMenuParser.Parse(HotlineJson, "hotline-1000.json");

    public static IvrMenu Survey => IvrMenuParser.Parse(File.ReadAllText(Path.Combine(MenuFolder, "survey.json")), "survey.json");

    /// <summary>The hotline JSON as a mutable tree (comments dropped), for variants.</summary>
    public static JsonNode HotlineTree() => JsonNode.Parse(HotlineJson, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;

    public static FakeTimeProvider BeijingClock(int year, int month, int day, int hour, int minute = 0) =>
        new(new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.FromHours(8)));

    /// <summary>Monday 23 November 2026, 10:00 in Beijing: the hotline is open.</summary>
    public static FakeTimeProvider OpenHours => BeijingClock(2026, 11, 23, 10);

    public static IvrCallContext Caller(bool vip = false, ImmutableDictionary<string, string>? data = null) =>
        new("13800138000", "1000", vip, data);
}

/// <summary>
/// Plays the media leg in tests: executes actions the way call control would (remembers the playback and timer
/// the session waits on, the pending lookup, terminal actions) and sends events back.
/// </summary>
internal sealed class FakeLeg
{
    private readonly Func<IvrEvent, IReadOnlyList<IvrAction>> _handle;

    public FakeLeg(IReadOnlyList<IvrAction> started, Func<IvrEvent, IReadOnlyList<IvrAction>> handle)
    {
        _handle = handle;
        Apply(started);
    }

    public static FakeLeg Start(IvrSession session) => new(session.Start(), session.Handle);

    public static FakeLeg Start(SurveySession survey) => new(survey.Start(), survey.Handle);

    public List<IvrAction> Log { get; } = [];
    public int? Playback { get; private set; }
    public bool PlaybackBargeIn { get; private set; }
    public int? Timer { get; private set; }
    public TimeSpan? TimerTimeout { get; private set; }
    public LookupRequest? PendingLookup { get; private set; }
    public List<IvrAction> Terminals { get; } = [];

    public IEnumerable<PromptRef> Played => Log.OfType<PlayPrompts>().SelectMany(p => p.Prompts);

    /// <summary>The last event sent to the session.</summary>
    public IvrEvent? LastEvent { get; private set; }

    public IReadOnlyList<IvrAction> Send(IvrEvent e)
    {
        LastEvent = e;
        var actions = _handle(e);
        Apply(actions);
        return actions;
    }

    public IReadOnlyList<IvrAction> FinishPrompt()
    {
        var playback = Playback ?? throw new InvalidOperationException("nothing is playing");
        Playback = null;
        return Send(new PromptFinished(playback));
    }

    public IReadOnlyList<IvrAction> TimeOut()
    {
        var timer = Timer ?? throw new InvalidOperationException("no input timer is running");
        Timer = null;
        return Send(new InputTimedOut(timer));
    }

    public List<IvrAction> Press(string keys)
    {
        var actions = new List<IvrAction>();
        foreach (var key in keys)
            actions.AddRange(Send(new DigitPressed(key)));
        return actions;
    }

    public IReadOnlyList<IvrAction> AnswerLookup(IReadOnlyDictionary<string, string> result)
    {
        PendingLookup = null;
        return Send(new LookupCompleted(result));
    }

    public IReadOnlyList<IvrAction> FailLookup(string reason)
    {
        PendingLookup = null;
        return Send(new LookupFailed(reason));
    }

    /// <summary>Lets every prompt play to its end until the session waits for a key, a lookup, or is done.</summary>
    public void FinishPrompts(int limit = 20)
    {
        while (Playback is not null && Terminals.Count == 0 && limit-- > 0)
            FinishPrompt();
    }

    private void Apply(IReadOnlyList<IvrAction> actions)
    {
        foreach (var action in actions)
        {
            Log.Add(action);
            switch (action)
            {
                case PlayPrompts play:
                    Playback = play.PlaybackId;
                    PlaybackBargeIn = play.BargeIn;
                    break;
                case StopPrompts stop when stop.PlaybackId == Playback:
                    Playback = null;
                    break;
                case StartInputTimer start:
                    Timer = start.TimerId;
                    TimerTimeout = start.Timeout;
                    break;
                case CancelInputTimer cancel when cancel.TimerId == Timer:
                    Timer = null;
                    break;
                case LookupRequest lookup:
                    PendingLookup = lookup;
                    break;
                case ToQueue or ToVoicemail or HangUp:
                    Terminals.Add(action);
                    break;
            }
        }
    }
}
