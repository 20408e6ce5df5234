using System.Collections.Immutable;
using System.Text.Json.Nodes;
using CallCenter.Telephony.Gateway.Ivr;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class IvrSessionTests
{
    private static (IvrSession Session, FakeLeg Leg) Call(IvrMenu? menu = null, TimeProvider? clock = null, IvrCallContext? caller = null)
    {
        var session = new IvrSession(menu ?? Demo.Hotline, caller ?? Demo.Caller(), clock ?? Demo.OpenHours);
        return (session, FakeLeg.Start(session));
    }

    /// <summary>Language 2 (English), then to the main menu with its prompt played.</summary>
    private static (IvrSession Session, FakeLeg Leg) AtMainMenuInEnglish(IvrCallContext? caller = null)
    {
        var (session, leg) = Call(caller: caller);
        leg.Press("2");
        leg.FinishPrompts();
        Assert.Equal("main", session.CurrentNode);
        Assert.Equal(IvrSessionState.WaitingForInput, session.State);
        return (session, leg);
    }

    [Fact]
    public void A_session_started_at_a_node_plays_that_node_and_the_menu_goes_on_from_it()
    {
        // Where a transfer to an IVR node puts the caller (CTI-2): "lookup-failed" plays, then the agent node queues.
        var session = new IvrSession(Demo.Hotline, Demo.Caller(), Demo.OpenHours);
        var leg = new FakeLeg(session.StartAt("lookup-failed"), session.Handle);
        Assert.Equal("lookup-failed", session.CurrentNode);
        var play = Assert.IsType<PlayPrompts>(Assert.Single(leg.Log));
        Assert.Equal("lookup-failed", play.Prompts[0].PromptId);
        leg.FinishPrompts();
        var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
        Assert.Equal("1000", queue.Service);
    }

    [Fact]
    public void Starting_at_an_unknown_node_or_twice_is_an_error()
    {
        var session = new IvrSession(Demo.Hotline, Demo.Caller(), Demo.OpenHours);
        Assert.Throws<ArgumentException>(() => session.StartAt("no-such-node"));
        Assert.Equal(IvrSessionState.Created, session.State);
        session.StartAt("main");
        Assert.Throws<InvalidOperationException>(() => session.StartAt("main"));
        Assert.Equal("main", session.CurrentNode);
    }

    [Fact]
    public void Start_plays_the_welcome_in_the_default_language_with_barge_in()
    {
        var (session, leg) = Call();
        var play = Assert.IsType<PlayPrompts>(Assert.Single(leg.Log));
        Assert.True(play.BargeIn);
        Assert.Equal([new PromptRef("welcome", "zh"), new PromptRef("choose-language", "zh"), new PromptRef("choose-language", "en")], play.Prompts);
        Assert.Equal(IvrSessionState.Playing, session.State);
        Assert.Equal("language", session.CurrentNode);
    }

    [Fact]
    public void Walking_to_the_balance_and_pressing_0_queues_the_call_with_the_account_attached()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        Assert.Equal("balance-account", session.CurrentNode);
        leg.FinishPrompts();
        leg.Press("12345678#");
        var lookup = Assert.IsType<LookupRequest>(leg.PendingLookup);
        Assert.Equal("balance", lookup.Service);
        Assert.Equal("12345678", lookup.Arguments["account"]);

        var result = DemoBillingService.Lookup("balance", lookup.Arguments);
        leg.AnswerLookup(result);
        Assert.Equal("balance-result", session.CurrentNode);
        var readout = ((PlayPrompts)leg.Log.Last(a => a is PlayPrompts)).Prompts.Select(p => p.PromptId).ToList();
        var balance = NumberReadout.Amount(result["balance"]);
        Assert.Equal(["balance-is", .. balance], readout.Take(1 + balance.Length));
        Assert.All(leg.Log.OfType<PlayPrompts>().Last().Prompts, p => Assert.Equal("en", p.Language));

        leg.Press("0");
        var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
        Assert.Equal("1000", queue.Service);
        Assert.Equal("en", queue.Language);
        Assert.Equal("12345678", queue.AttachedData["account"]);
        Assert.Equal(result["balance"], queue.AttachedData["balance"]);
        Assert.Equal(IvrSessionState.Finished, session.State);
        Assert.Null(leg.Playback);
    }

    [Fact]
    public void Option_3_plays_the_transfer_prompt_then_queues_with_the_account_collected_earlier()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("87654321#");
        leg.AnswerLookup(DemoBillingService.Lookup("balance", new Dictionary<string, string> { ["account"] = "87654321" }));
        leg.Press("9");
        Assert.Equal("main", session.CurrentNode);
        leg.Press("3");
        Assert.Empty(leg.Terminals);
        Assert.False(leg.PlaybackBargeIn);
        Assert.Equal(IvrSessionState.Finishing, session.State);
        leg.Press("5"); // keys during the transfer prompt are ignored
        leg.FinishPrompt();
        var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
        Assert.Equal("87654321", queue.AttachedData["account"]);
        Assert.Equal(0, queue.Priority);
    }

    [Fact]
    public void Option_3_without_an_account_queues_without_one()
    {
        var (_, leg) = AtMainMenuInEnglish();
        leg.Press("3");
        leg.FinishPrompts();
        var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
        Assert.False(queue.AttachedData.ContainsKey("account"));
    }

    [Fact]
    public void A_vip_caller_gets_the_menus_vip_priority()
    {
        var (_, leg) = AtMainMenuInEnglish(Demo.Caller(vip: true, data: ImmutableDictionary<string, string>.Empty.Add("customer", "C-1")));
        leg.Press("3");
        leg.FinishPrompts();
        var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
        Assert.Equal(5, queue.Priority);
        Assert.Equal("C-1", queue.AttachedData["customer"]);
    }

    public static TheoryData<string> NodesThatListen()
    {
        var data = new TheoryData<string>();
        foreach (var node in Demo.Hotline.Nodes.Values.Where(n => n is MenuNode or CollectNode or LookupNode or PlayNode))
            data.Add(node.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(NodesThatListen))]
    public void Zero_goes_to_an_agent_from_every_node(string nodeId)
    {
        var menu = Demo.Hotline with { StartNode = nodeId };
        var data = ImmutableDictionary<string, string>.Empty.Add("account", "12345678");
        foreach (var waitForKey in new[] { false, true })
        {
            var (session, leg) = Call(menu, caller: Demo.Caller(data: data));
            Assert.Equal(nodeId, session.CurrentNode);
            if (waitForKey && session.State == IvrSessionState.Playing && menu.Nodes[nodeId] is not PlayNode)
                leg.FinishPrompt();
            leg.Press("0");
            var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
            Assert.Equal(menu.AgentService, queue.Service);
            Assert.Equal("12345678", queue.AttachedData["account"]);
            Assert.Null(leg.Playback);
            Assert.Null(leg.Timer);
        }
    }

    [Fact]
    public void Zero_inside_an_account_number_is_a_digit_not_the_agent_key()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("1020304#");
        Assert.Empty(leg.Terminals);
        Assert.Equal("1020304", session.Variables["account"]);
    }

    [Fact]
    public void Sixty_seconds_without_a_key_says_goodbye_and_hangs_up()
    {
        var (session, leg) = Call();
        var waited = TimeSpan.Zero;
        for (var step = 0; step < 20 && session.State != IvrSessionState.Finishing; step++)
        {
            if (session.State == IvrSessionState.Playing)
                leg.FinishPrompt();
            else
            {
                waited += leg.TimerTimeout!.Value;
                leg.TimeOut();
            }
        }
        Assert.Equal(TimeSpan.FromSeconds(60), waited);
        Assert.Empty(leg.Terminals); // the goodbye plays first
        Assert.Equal([new PromptRef("goodbye", "zh")], ((PlayPrompts)leg.Log[^1]).Prompts);
        leg.FinishPrompt();
        Assert.Equal(new HangUp("no-input"), Assert.Single(leg.Terminals));
        Assert.Equal(IvrSessionState.Finished, session.State);
    }

    [Fact]
    public void No_input_repeats_the_menu_with_the_no_input_prompt_then_hangs_up_after_the_retries()
    {
        var (session, leg) = AtMainMenuInEnglish();
        for (var retry = 1; retry <= 2; retry++)
        {
            leg.TimeOut();
            var replay = Assert.IsType<PlayPrompts>(leg.Log[^1]);
            Assert.Equal(["no-input", "main-menu"], replay.Prompts.Select(p => p.PromptId));
            leg.FinishPrompt();
        }
        leg.TimeOut();
        leg.FinishPrompts();
        Assert.Equal(new HangUp("no-input"), Assert.Single(leg.Terminals));
    }

    [Fact]
    public void A_key_resets_the_silence_count()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["retries"] = 10;
        var (session, leg) = Call(IvrMenuParser.Parse(tree.ToJsonString(), "patient.json"));
        leg.Press("2");
        leg.FinishPrompts();
        leg.TimeOut();
        leg.FinishPrompt();
        leg.TimeOut();
        leg.FinishPrompt();
        leg.Press("7"); // invalid, but a key: the caller is there
        Assert.Equal(["invalid-choice", "main-menu"], ((PlayPrompts)leg.Log[^1]).Prompts.Select(p => p.PromptId));
        leg.FinishPrompt();
        leg.TimeOut();
        leg.FinishPrompt();
        leg.TimeOut();
        leg.FinishPrompt();
        Assert.Equal(IvrSessionState.WaitingForInput, session.State); // 80 s of silence in all, but only 40 s since the key
        leg.TimeOut();
        leg.FinishPrompts();
        Assert.Equal(new HangUp("no-input"), Assert.Single(leg.Terminals));
    }

    [Fact]
    public void Invalid_keys_beyond_the_retries_hang_up()
    {
        var (_, leg) = AtMainMenuInEnglish();
        leg.Press("777");
        leg.FinishPrompts();
        Assert.Equal(new HangUp("invalid-input"), Assert.Single(leg.Terminals));
    }

    [Fact]
    public void A_barge_in_stops_the_prompt_and_a_late_prompt_finished_is_ignored()
    {
        var (session, leg) = Call();
        var playback = leg.Playback!.Value;
        var actions = leg.Press("2");
        Assert.Equal(new StopPrompts(playback), actions[0]);
        Assert.Equal("main", session.CurrentNode);
        var stateBefore = session.State;
        Assert.Empty(session.Handle(new PromptFinished(playback)));
        Assert.Equal(stateBefore, session.State);
    }

    [Fact]
    public void A_stale_timer_is_ignored()
    {
        var (session, leg) = AtMainMenuInEnglish();
        var timer = leg.Timer!.Value;
        leg.Press("1");
        Assert.Contains(new CancelInputTimer(timer), leg.Log);
        leg.FinishPrompts();
        Assert.Empty(session.Handle(new InputTimedOut(timer)));
        Assert.Equal(IvrSessionState.WaitingForInput, session.State);
    }

    [Fact]
    public void A_short_account_number_is_refused_and_asked_again()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("123#");
        Assert.Equal(["invalid-account", "enter-account"], ((PlayPrompts)leg.Log[^1]).Prompts.Select(p => p.PromptId));
        Assert.Null(leg.PendingLookup);
        leg.Press("123456#");
        Assert.Equal("123456", leg.PendingLookup!.Arguments["account"]);
    }

    [Fact]
    public void The_maximum_length_ends_the_number_without_a_terminator()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("2");
        leg.Press("123456789012");
        Assert.Equal("123456789012", leg.PendingLookup!.Arguments["account"]);
        Assert.Equal("repair", leg.PendingLookup.Service);
    }

    [Fact]
    public void An_inter_digit_timeout_accepts_a_number_of_valid_length()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("1234567");
        leg.TimeOut();
        Assert.Equal("1234567", leg.PendingLookup!.Arguments["account"]);
    }

    [Fact]
    public void An_unknown_account_is_announced_and_the_caller_returns_to_the_main_menu()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("12345670#");
        leg.AnswerLookup(DemoBillingService.Lookup("balance", leg.PendingLookup!.Arguments));
        Assert.Equal("account-not-found", session.CurrentNode);
        leg.FinishPrompts();
        Assert.Equal("main", session.CurrentNode);
    }

    [Fact]
    public void A_failed_lookup_apologises_and_transfers_to_an_agent()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("12345678#");
        leg.FailLookup("billing system timeout");
        Assert.Equal("billing system timeout", session.Variables[IvrSession.LookupErrorVariable]);
        leg.FinishPrompts();
        var queue = Assert.IsType<ToQueue>(Assert.Single(leg.Terminals));
        Assert.Equal("12345678", queue.AttachedData["account"]);
        Assert.Contains(new PromptRef("lookup-failed", "en"), leg.Played);
    }

    [Fact]
    public void Repair_progress_branches_on_the_stage_and_reads_the_ticket_digit_by_digit()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("2");
        leg.Press("12345678#");
        var result = DemoBillingService.Lookup("repair", leg.PendingLookup!.Arguments);
        leg.AnswerLookup(result);
        Assert.Equal($"repair-stage-{result["repair.stage"]}", session.CurrentNode);
        leg.FinishPrompt();
        Assert.Equal("repair-result", session.CurrentNode);
        var prompts = ((PlayPrompts)leg.Log[^1]).Prompts.Select(p => p.PromptId).ToList();
        Assert.Equal(["repair-ticket-is", .. NumberReadout.Digits(result["repair.ticket"]), "balance-options"], prompts);
        Assert.Equal(result["repair.ticket"], session.AttachedData["repair.ticket"]);
    }

    [Fact]
    public void Keys_other_than_zero_are_ignored_while_the_lookup_runs()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("1");
        leg.Press("12345678#");
        Assert.Empty(leg.Press("59#"));
        Assert.Equal(IvrSessionState.WaitingForLookup, session.State);
    }

    [Fact]
    public void After_hours_callers_can_leave_a_voicemail()
    {
        var (session, leg) = Call(clock: Demo.BeijingClock(2026, 11, 23, 22, 0));
        leg.Press("1");
        Assert.Equal("after-hours", session.CurrentNode);
        leg.FinishPrompt();
        leg.Press("1");
        leg.FinishPrompts();
        var voicemail = Assert.IsType<ToVoicemail>(Assert.Single(leg.Terminals));
        Assert.Equal("1000", voicemail.Service);
        Assert.Equal("zh", voicemail.Language);
    }

    [Fact]
    public void After_hours_callers_can_request_a_callback()
    {
        var (session, leg) = Call(clock: Demo.BeijingClock(2026, 11, 24, 7, 59));
        leg.Press("2");
        leg.Press("2");
        leg.FinishPrompts();
        var callback = Assert.IsType<CallbackRequested>(leg.Log.Single(a => a is CallbackRequested));
        Assert.Equal("13800138000", callback.CallerNumber);
        Assert.Equal("en", callback.Language);
        Assert.Equal(new HangUp("callback-requested"), Assert.Single(leg.Terminals));
    }

    [Fact]
    public void A_holiday_is_after_hours_even_at_noon()
    {
        var tree = Demo.HotlineTree();
        tree["businessHours"]!["holidays"] = new JsonArray("2026-10-01");
        var menu = IvrMenuParser.Parse(tree.ToJsonString(), "holiday.json");
        var (session, leg) = Call(menu, Demo.BeijingClock(2026, 10, 1, 12));
        leg.Press("1");
        Assert.Equal("after-hours", session.CurrentNode);

        (session, leg) = Call(menu, Demo.BeijingClock(2026, 10, 2, 12));
        leg.Press("1");
        Assert.Equal("main", session.CurrentNode);
    }

    [Fact]
    public void Business_hours_are_read_in_the_menus_time_zone()
    {
        // 23:30 UTC on Sunday is 07:30 Monday in Beijing (closed); 00:30 UTC is 08:30 (open).
        var calendar = Demo.Hotline.BusinessHours!;
        Assert.False(calendar.IsOpen(new DateTimeOffset(2026, 11, 22, 23, 30, 0, TimeSpan.Zero)));
        Assert.True(calendar.IsOpen(new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.Zero)));
        Assert.True(calendar.IsOpen(new DateTimeOffset(2026, 11, 23, 21, 59, 0, TimeSpan.FromHours(8))));
        Assert.False(calendar.IsOpen(new DateTimeOffset(2026, 11, 23, 22, 0, 0, TimeSpan.FromHours(8))));
    }

    [Fact]
    public void The_preferred_language_from_the_context_is_used_when_the_menu_has_it()
    {
        var session = new IvrSession(Demo.Hotline, new IvrCallContext("1", "1000", PreferredLanguage: "en"), Demo.OpenHours);
        var play = Assert.IsType<PlayPrompts>(Assert.Single(session.Start()));
        Assert.Equal(new PromptRef("welcome", "en"), play.Prompts[0]);
        session = new IvrSession(Demo.Hotline, new IvrCallContext("1", "1000", PreferredLanguage: "fr"), Demo.OpenHours);
        Assert.Equal("zh", session.Language);
    }

    [Fact]
    public void Events_after_the_end_are_ignored_and_start_twice_is_an_error()
    {
        var (session, leg) = AtMainMenuInEnglish();
        leg.Press("0");
        Assert.Equal(IvrSessionState.Finished, session.State);
        Assert.Empty(session.Handle(new DigitPressed('1')));
        Assert.Empty(session.Handle(new LookupCompleted(new Dictionary<string, string>())));
        Assert.Throws<InvalidOperationException>(() => session.Start());
        Assert.Throws<InvalidOperationException>(() => new IvrSession(Demo.Hotline, Demo.Caller(), Demo.OpenHours).Handle(new DigitPressed('1')));
    }
}
