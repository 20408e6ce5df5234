using System.Text.Json.Nodes;
using CallCenter.Telephony.Gateway.Ivr;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class IvrMenuParserTests
{
    private static IvrMenuException Rejected(JsonNode tree) =>
        Assert.Throws<IvrMenuException>(() => IvrMenuParser.Parse(tree.ToJsonString(), "test.json"));

    [Fact]
    public void The_demo_hotline_parses_without_warnings()
    {
        var menu = Demo.Hotline;
        Assert.Equal("1000", menu.Service);
        Assert.Equal("zh", menu.DefaultLanguage);
        Assert.Equal(["zh", "en"], menu.Languages.ToArray());
        Assert.Equal('0', menu.AgentKey);
        Assert.Equal(TimeSpan.FromSeconds(60), menu.MaxSilence);
        Assert.Empty(menu.Warnings);
        var collect = Assert.IsType<CollectNode>(menu.Nodes["balance-account"]);
        Assert.Equal((6, 12, '#'), (collect.MinLength, collect.MaxLength, collect.Terminator));
    }

    [Fact]
    public void The_demo_survey_parses_as_a_survey_without_nodes()
    {
        var survey = Demo.Survey;
        Assert.NotNull(survey.Survey);
        Assert.Empty(survey.Nodes);
        Assert.Equal((1, 5), (survey.Survey!.MinScore, survey.Survey.MaxScore));
    }

    [Fact]
    public void An_unknown_goto_names_the_option_path()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["options"]![2]!["goto"] = "x";
        var error = Rejected(tree);
        Assert.Equal("$.nodes.main.options[2].goto: unknown node 'x'", error.Message);
        Assert.Equal("$.nodes.main.options[2].goto", error.JsonPath);
        Assert.Equal("test.json", error.SourceName);
    }

    [Fact]
    public void An_unknown_start_node_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["start"] = "nowhere";
        Assert.Equal("$.start: unknown node 'nowhere'", Rejected(tree).Message);
    }

    [Fact]
    public void A_prompt_missing_from_the_prompts_table_names_its_path()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["balance-result"]!["prompts"]![4] = "no-such-prompt";
        Assert.Equal("$.nodes.balance-result.prompts[4]: unknown prompt 'no-such-prompt'", Rejected(tree).Message);
    }

    [Fact]
    public void A_prompt_without_text_in_the_default_language_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["prompts"]!["goodbye"]!.AsObject().Remove("zh");
        Assert.Equal("$.prompts.goodbye: no text in the default language 'zh'", Rejected(tree).Message);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("12")]
    [InlineData("")]
    [InlineData("e")]
    public void A_bad_option_digit_is_rejected(string digit)
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["options"]![1]!["digit"] = digit;
        var error = Rejected(tree);
        Assert.StartsWith("$.nodes.main.options[1].digit: ", error.Message);
    }

    [Fact]
    public void A_key_used_twice_in_one_menu_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["options"]![1]!["digit"] = "1";
        Assert.Equal("$.nodes.main.options[1].digit: key '1' is already used by another option", Rejected(tree).Message);
    }

    [Fact]
    public void Min_length_above_max_length_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["repair-account"]!["minLength"] = 13;
        Assert.Equal("$.nodes.repair-account.minLength: minLength 13 is greater than maxLength 12", Rejected(tree).Message);
    }

    [Fact]
    public void A_digit_as_terminator_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["repair-account"]!["terminator"] = "5";
        Assert.StartsWith("$.nodes.repair-account.terminator: ", Rejected(tree).Message);
    }

    [Fact]
    public void An_option_switching_to_an_unlisted_language_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["language"]!["options"]![1]!["language"] = "fr";
        Assert.StartsWith("$.nodes.language.options[1].language: language 'fr'", Rejected(tree).Message);
    }

    [Fact]
    public void Bad_business_hours_name_their_path()
    {
        var tree = Demo.HotlineTree();
        tree["businessHours"]!["timeZone"] = "Mars/Olympus";
        Assert.Equal("$.businessHours.timeZone: unknown time zone 'Mars/Olympus'", Rejected(tree).Message);

        tree = Demo.HotlineTree();
        tree["businessHours"]!["weekly"]!["mon-sun"]![0] = "22:00-08:00";
        Assert.StartsWith("$.businessHours.weekly.mon-sun[0]: ", Rejected(tree).Message);

        tree = Demo.HotlineTree();
        tree["businessHours"]!["holidays"] = new JsonArray("2026-13-01");
        Assert.StartsWith("$.businessHours.holidays[0]: ", Rejected(tree).Message);
    }

    [Fact]
    public void An_unknown_node_type_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["agent"]!["type"] = "teleport";
        Assert.StartsWith("$.nodes.agent.type: unknown node type 'teleport'", Rejected(tree).Message);
    }

    [Fact]
    public void Invalid_json_is_reported_with_its_position()
    {
        var error = Assert.Throws<IvrMenuException>(() => IvrMenuParser.Parse("{ \"id\": \"x\", \"nodes\": { ", "broken.json"));
        Assert.Contains("not valid JSON (line 1", error.Message);
    }

    [Fact]
    public void Wrong_value_types_are_rejected_with_their_path()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["timeoutSeconds"] = "soon";
        Assert.StartsWith("$.nodes.main.timeoutSeconds: ", Rejected(tree).Message);

        tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["retries"] = -1;
        Assert.StartsWith("$.nodes.main.retries: ", Rejected(tree).Message);
    }

    [Fact]
    public void Unreachable_nodes_are_warned_about_not_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["orphan"] = new JsonObject { ["type"] = "hangup", ["prompts"] = new JsonArray("goodbye") };
        var menu = IvrMenuParser.Parse(tree.ToJsonString(), "test.json");
        var warning = Assert.Single(menu.Warnings);
        Assert.StartsWith("$.nodes.orphan: ", warning);
        Assert.Contains("cannot be reached", warning);
    }

    [Fact]
    public void A_prompt_pinned_to_an_unknown_language_is_rejected()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["language"]!["prompts"]![2]!["language"] = "de";
        Assert.StartsWith("$.nodes.language.prompts[2].language: language 'de'", Rejected(tree).Message);
    }

    [Fact]
    public void Weekly_hours_accept_day_ranges_and_several_spans()
    {
        var tree = Demo.HotlineTree();
        tree["businessHours"]!["weekly"] = new JsonObject
        {
            ["mon-fri"] = new JsonArray("08:00-12:00", "13:00-18:00"),
            ["sat"] = new JsonArray("10:00-24:00"),
        };
        var calendar = IvrMenuParser.Parse(tree.ToJsonString(), "t.json").BusinessHours!;
        var beijing = TimeSpan.FromHours(8);
        Assert.True(calendar.IsOpen(new DateTimeOffset(2026, 11, 27, 9, 0, 0, beijing)));   // Friday morning
        Assert.False(calendar.IsOpen(new DateTimeOffset(2026, 11, 27, 12, 30, 0, beijing))); // lunch
        Assert.True(calendar.IsOpen(new DateTimeOffset(2026, 11, 28, 23, 59, 0, beijing)));  // Saturday till midnight
        Assert.False(calendar.IsOpen(new DateTimeOffset(2026, 11, 29, 12, 0, 0, beijing)));  // Sunday closed
    }

    [Fact]
    public void Number_prompts_may_be_used_without_a_table_entry()
    {
        var tree = Demo.HotlineTree();
        tree["nodes"]!["main"]!["prompts"] = new JsonArray("main-menu", "number.5", "number.currency");
        var menu = IvrMenuParser.Parse(tree.ToJsonString(), "test.json");
        Assert.Equal(3, menu.Nodes["main"].Prompts.Length);
    }
}
