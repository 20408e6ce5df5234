using System.Collections.Immutable;
using CallCenter.Telephony.Gateway.Ivr;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

/// <summary>
/// Random menus walked by random callers: the session never throws, ends in exactly one terminal action once
/// the leg lets prompts and timers run out, never plays a prompt the library does not have, and only accepts
/// numbers that fit their collect node.
/// </summary>
public sealed class IvrSessionProperties
{
    public enum StepKind { FinishPrompt, FireTimer, Digit, StaleEvent, LookupAnswered, LookupFailed }

    public sealed record Step(StepKind Kind, char Digit, int Number);

    private const string Keys = "0123456789*#";

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Frequency(
            (3, Gen.Constant(StepKind.FinishPrompt)),
            (2, Gen.Constant(StepKind.FireTimer)),
            (6, Gen.Constant(StepKind.Digit)),
            (1, Gen.Constant(StepKind.StaleEvent)),
            (1, Gen.Constant(StepKind.LookupAnswered)),
            (1, Gen.Constant(StepKind.LookupFailed)))
        from digit in Gen.Elements(Keys.ToCharArray())
        from number in Gen.Choose(0, 1000)
        select new Step(kind, digit, number);

    private static readonly Arbitrary<(int MenuSeed, Step[] Steps)> Walks =
        (from seed in Gen.Choose(0, int.MaxValue)
         from steps in Gen.Sized(size => Gen.ListOf(StepGen, Math.Min(size, 60) + 1)).Select(s => s.ToArray())
         select (seed, steps)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 400)]
    public Property Random_walks_through_random_menus_end_in_exactly_one_terminal_action() =>
        Prop.ForAll(Walks, walk =>
        {
            var random = new Random(walk.MenuSeed);
            var menu = RandomMenu(random);
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, random.Next(0, 24), 0, 0, TimeSpan.FromHours(8)));
            var session = new IvrSession(menu, new IvrCallContext("555", menu.Service, IsVip: random.Next(2) == 0), clock);
            var leg = FakeLeg.Start(session);
            var checker = new Invariants(menu, session, leg);
            checker.Check(leg.Log);

            foreach (var step in walk.Steps)
                checker.Check(Apply(step, session, leg));

            // Let the leg run out: prompts end, timers fire, lookups fail. No key is pressed, so silence grows
            // towards the menu's limit and every walk must end.
            for (var i = 0; i < 3000 && leg.Terminals.Count == 0; i++)
            {
                if (leg.Playback is not null)
                    checker.Check(leg.FinishPrompt());
                else if (leg.Timer is not null)
                    checker.Check(leg.TimeOut());
                else if (session.State == IvrSessionState.WaitingForLookup)
                    checker.Check(leg.FailLookup("drained"));
                else
                    break;
            }
            Assert.Single(leg.Terminals);
            Assert.Equal(IvrSessionState.Finished, session.State);
            Assert.Same(leg.Terminals[0], leg.Log[^1]);
        });

    private static readonly Arbitrary<(int Min, int Extra, string Number, bool Terminate)> Entries =
        (from min in Gen.Choose(1, 6)
         from extra in Gen.Choose(0, 6)
         from length in Gen.Choose(1, 15)
         from digits in Gen.ArrayOf(Gen.Elements("123456789".ToCharArray()), length)
         from terminate in Gen.Elements(true, false)
         select (min, extra, new string(digits), terminate)).ToArbitrary();

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property A_collected_number_is_what_was_typed_up_to_the_terminator_or_the_maximum_length() =>
        Prop.ForAll(Entries, entry =>
        {
            var max = entry.Min + entry.Extra;
            var input = new InputPolicy(TimeSpan.FromSeconds(5), 1, [], [new PlayPrompt("a")], null);
            var texts = ImmutableDictionary<string, string>.Empty.Add("zh", "x");
            var menu = new IvrMenu("m", "1", "zh", ["zh"], "ask", "agents", '0', TimeSpan.FromSeconds(60), 0, null, [],
                ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty.Add("a", texts),
                ImmutableDictionary<string, IvrNode>.Empty
                    .Add("ask", new CollectNode("ask", [new PlayPrompt("a")], "number", entry.Min, max, '#', input, "done", Attach: true))
                    .Add("done", new HangUpNode("done", [], "done")),
                null, [], "m.json");
            var session = new IvrSession(menu, new IvrCallContext("1", "1"), TimeProvider.System);
            var leg = FakeLeg.Start(session);
            leg.Press(entry.Number + (entry.Terminate ? "#" : ""));

            string? expected = entry.Number.Length >= max ? entry.Number[..max]
                : entry.Terminate && entry.Number.Length >= entry.Min ? entry.Number
                : null;
            Assert.Equal(expected, session.Variables.GetValueOrDefault("number"));
            Assert.Equal(expected, session.AttachedData.GetValueOrDefault("number"));
            Assert.Equal(expected is null ? 0 : 1, leg.Terminals.Count);
        });

    private static IReadOnlyList<IvrAction> Apply(Step step, IvrSession session, FakeLeg leg) => step.Kind switch
    {
        StepKind.FinishPrompt when leg.Playback is not null => leg.FinishPrompt(),
        StepKind.FireTimer when leg.Timer is not null => leg.TimeOut(),
        StepKind.Digit => leg.Send(new DigitPressed(step.Digit)),
        StepKind.LookupAnswered => leg.AnswerLookup(new Dictionary<string, string>
        {
            ["status"] = step.Number % 3 == 0 ? "not-found" : "ok",
            ["balance"] = step.Number % 5 == 0 ? "n/a" : (step.Number / 7m).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }),
        StepKind.LookupFailed => leg.FailLookup("down"),
        // A late event for a playback or timer that is no longer current.
        _ => step.Number % 2 == 0 ? leg.Send(new PromptFinished(-step.Number)) : leg.Send(new InputTimedOut(-step.Number)),
    };

    private sealed class Invariants(IvrMenu menu, IvrSession session, FakeLeg leg)
    {
        private int? _timer;
        private int? _playback;
        private bool _ended;

        public void Check(IReadOnlyList<IvrAction> actions)
        {
            if (_ended)
                Assert.Empty(actions);
            // The leg consumed its playback or timer when it reported it.
            if (leg.LastEvent is PromptFinished finished && finished.PlaybackId == _playback)
                _playback = null;
            if (leg.LastEvent is InputTimedOut timedOut && timedOut.TimerId == _timer)
                _timer = null;
            foreach (var action in actions)
            {
                switch (action)
                {
                    case PlayPrompts play:
                        Assert.Null(_playback); // the previous playback was stopped or finished first
                        _playback = play.PlaybackId;
                        Assert.All(play.Prompts, p =>
                        {
                            Assert.True(menu.Prompts.ContainsKey(p.PromptId) || NumberReadout.IsNumberPrompt(p.PromptId), $"unknown prompt {p.PromptId}");
                            Assert.Contains(p.Language, menu.Languages);
                        });
                        Assert.NotEmpty(play.Prompts);
                        break;
                    case StopPrompts stop:
                        Assert.Equal(_playback, stop.PlaybackId);
                        _playback = null;
                        break;
                    case StartInputTimer start:
                        Assert.Null(_timer);
                        Assert.True(start.Timeout > TimeSpan.Zero);
                        _timer = start.TimerId;
                        break;
                    case CancelInputTimer cancel:
                        Assert.Equal(_timer, cancel.TimerId);
                        _timer = null;
                        break;
                    case ToQueue or ToVoicemail or HangUp:
                        Assert.False(_ended, "a second terminal action");
                        Assert.Null(_timer);
                        Assert.Null(_playback);
                        _ended = true;
                        break;
                }
            }
            foreach (var collect in menu.Nodes.Values.OfType<CollectNode>())
                if (session.Variables.TryGetValue(collect.Variable, out var value))
                {
                    Assert.InRange(value.Length, collect.MinLength, collect.MaxLength);
                    Assert.All(value, c => Assert.True(char.IsAsciiDigit(c), $"'{value}' holds a non-digit"));
                }
        }
    }

    /// <summary>
    /// A random but valid menu. Input nodes (menus, collects) may lead anywhere; pass-through nodes (play, lookup,
    /// hours) lead to input or terminal nodes only, as a menu whose announcements loop forever is a menu bug the
    /// session cannot end on its own.
    /// </summary>
    internal static IvrMenu RandomMenu(Random random)
    {
        var inputs = Enumerable.Range(0, random.Next(1, 5)).Select(i => $"in{i}").ToArray();
        var passes = Enumerable.Range(0, random.Next(0, 4)).Select(i => $"pass{i}").ToArray();
        var terminals = Enumerable.Range(0, random.Next(1, 4)).Select(i => $"end{i}").ToArray();
        string[] all = [.. inputs, .. passes, .. terminals];
        string[] settled = [.. inputs, .. terminals];
        string Any() => all[random.Next(all.Length)];
        string Settled() => settled[random.Next(settled.Length)];

        ImmutableArray<PromptItem> Prompts(int min)
        {
            PromptItem[] pool = [new PlayPrompt("a"), new PlayPrompt("b"), new PlayPrompt("b", "en"), new PlayPrompt("number.3"), new SayDigits("v0"), new SayAmount("balance"), new SayDigits("missing")];
            return [.. Enumerable.Range(0, random.Next(min, 4)).Select(_ => pool[random.Next(pool.Length)])];
        }
        InputPolicy Input() => new(TimeSpan.FromSeconds(random.Next(1, 31)), random.Next(0, 4), Prompts(0), Prompts(0),
            random.Next(3) == 0 ? Any() : null);

        var nodes = ImmutableDictionary.CreateBuilder<string, IvrNode>();
        for (var i = 0; i < inputs.Length; i++)
        {
            if (random.Next(2) == 0)
            {
                var digits = Keys.OrderBy(_ => random.Next()).Take(random.Next(1, 5));
                var options = digits.Select(d => new MenuOption(d, Any(), random.Next(4) == 0 ? "en" : null)).ToImmutableArray();
                nodes[inputs[i]] = new MenuNode(inputs[i], Prompts(0), options, Input());
            }
            else
            {
                var min = random.Next(1, 5);
                char? terminator = random.Next(3) switch { 0 => null, 1 => '*', _ => '#' };
                nodes[inputs[i]] = new CollectNode(inputs[i], Prompts(0), $"v{i}", min, min + random.Next(0, 5), terminator, Input(), Any(), random.Next(2) == 0);
            }
        }
        foreach (var id in passes)
        {
            nodes[id] = random.Next(3) switch
            {
                0 => new PlayNode(id, Prompts(1), Settled()),
                1 => new LookupNode(id, Prompts(0), "balance",
                    random.Next(2) == 0 ? ImmutableDictionary<string, string>.Empty.Add("account", "v0") : ImmutableDictionary<string, string>.Empty,
                    [new LookupBranch("status", "not-found", Settled())], ["balance"], Settled(), Settled()),
                _ => new BusinessHoursNode(id, Settled(), Settled()),
            };
        }
        foreach (var id in terminals)
        {
            nodes[id] = random.Next(4) switch
            {
                0 => new QueueNode(id, Prompts(0), "q", random.Next(0, 3), ImmutableDictionary<string, int>.Empty),
                1 => new VoicemailNode(id, Prompts(0), "vm"),
                2 => new CallbackNode(id, Prompts(0), "cb"),
                _ => new HangUpNode(id, Prompts(0), "end"),
            };
        }
        var calendar = new BusinessCalendar(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
            ImmutableDictionary<DayOfWeek, ImmutableArray<OpeningHours>>.Empty.Add(DayOfWeek.Monday, [new OpeningHours(new TimeOnly(8, 0), new TimeOnly(22, 0))]),
            []);
        var texts = ImmutableDictionary<string, string>.Empty.Add("zh", "文本").Add("en", "text");
        return new IvrMenu("random", "5000", "zh", ["zh", "en"], Any(), "agents", random.Next(4) == 0 ? null : '0',
            TimeSpan.FromSeconds(random.Next(10, 121)), 7, calendar, random.Next(2) == 0 ? [new PlayPrompt("a")] : [],
            ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty.Add("a", texts).Add("b", texts),
            nodes.ToImmutable(), null, [], "random.json");
    }
}
