using System.Collections.Immutable;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>
/// One IVR menu tree as loaded from a JSON file (see <see cref="IvrMenuParser"/>): the service number it answers,
/// its languages and prompt texts, and the nodes a caller walks through. Immutable; a reload builds a new one.
/// </summary>
public sealed record IvrMenu(
    string Id,
    string Service,
    string DefaultLanguage,
    ImmutableArray<string> Languages,
    string StartNode,
    string AgentService,
    char? AgentKey,
    TimeSpan MaxSilence,
    int VipPriority,
    BusinessCalendar? BusinessHours,
    ImmutableArray<PromptItem> GoodbyePrompts,
    ImmutableDictionary<string, ImmutableDictionary<string, string>> Prompts,
    ImmutableDictionary<string, IvrNode> Nodes,
    SurveySettings? Survey,
    ImmutableArray<string> Warnings,
    string SourceName)
{
    /// <summary>The text of a prompt in a language, falling back to the menu's default language.</summary>
    public string? PromptText(string promptId, string language) =>
        Prompts.TryGetValue(promptId, out var texts)
            ? texts.GetValueOrDefault(language) ?? texts.GetValueOrDefault(DefaultLanguage)
            : null;
}

/// <summary>A step of a menu tree. <see cref="Prompts"/> are played on entering it.</summary>
public abstract record IvrNode(string Id, ImmutableArray<PromptItem> Prompts);

/// <summary>How a node waits for keys: timeout per attempt, re-prompts, and where to go when attempts run out.</summary>
/// <param name="ExhaustedNext">Node entered when retries are used up; null hangs up after the menu's goodbye.</param>
public sealed record InputPolicy(
    TimeSpan Timeout,
    int Retries,
    ImmutableArray<PromptItem> NoInputPrompts,
    ImmutableArray<PromptItem> InvalidPrompts,
    string? ExhaustedNext);

/// <summary>A key the caller may press in a <see cref="MenuNode"/>; <see cref="Language"/> switches the session's language.</summary>
public sealed record MenuOption(char Digit, string Goto, string? Language);

/// <summary>"Press 1 for ..., 2 for ...": plays its prompts (callers may barge in) and branches on one key.</summary>
public sealed record MenuNode(string Id, ImmutableArray<PromptItem> Prompts, ImmutableArray<MenuOption> Options, InputPolicy Input)
    : IvrNode(Id, Prompts);

/// <summary>Collects a number (account, order...) of <see cref="MinLength"/>..<see cref="MaxLength"/> digits,
/// ended by <see cref="Terminator"/> or by reaching the maximum length, into the variable <see cref="Variable"/>.</summary>
/// <param name="Attach">Whether the collected value travels with the call to the agent (attached data).</param>
public sealed record CollectNode(
    string Id,
    ImmutableArray<PromptItem> Prompts,
    string Variable,
    int MinLength,
    int MaxLength,
    char? Terminator,
    InputPolicy Input,
    string Next,
    bool Attach) : IvrNode(Id, Prompts);

/// <summary>When a lookup result's <see cref="Field"/> equals <see cref="Value"/>, continue at <see cref="Goto"/>.</summary>
public sealed record LookupBranch(string Field, string Value, string Goto);

/// <summary>Asks the back office (<see cref="IBackOfficeLookup"/>) for data; its result fields become session variables.
/// <see cref="Prompts"/> ("one moment please") play while waiting.</summary>
/// <param name="Arguments">Lookup argument name -> session variable that supplies it.</param>
/// <param name="Attach">Result fields that travel with the call to the agent.</param>
public sealed record LookupNode(
    string Id,
    ImmutableArray<PromptItem> Prompts,
    string Service,
    ImmutableDictionary<string, string> Arguments,
    ImmutableArray<LookupBranch> Branches,
    ImmutableArray<string> Attach,
    string Next,
    string Failed) : IvrNode(Id, Prompts);

/// <summary>Branches on the menu's business calendar at the moment the caller reaches it.</summary>
public sealed record BusinessHoursNode(string Id, string Open, string Closed) : IvrNode(Id, []);

/// <summary>An announcement, then on to <see cref="Next"/>.</summary>
public sealed record PlayNode(string Id, ImmutableArray<PromptItem> Prompts, string Next) : IvrNode(Id, Prompts);

/// <summary>Leaves the IVR for an ACD queue. VIP callers get at least the menu's VIP priority.</summary>
public sealed record QueueNode(string Id, ImmutableArray<PromptItem> Prompts, string Service, int Priority, ImmutableDictionary<string, int> RequiredSkills)
    : IvrNode(Id, Prompts);

/// <summary>Leaves the IVR for a voice mailbox.</summary>
public sealed record VoicemailNode(string Id, ImmutableArray<PromptItem> Prompts, string Service) : IvrNode(Id, Prompts);

/// <summary>Records a callback request for the caller's number, then hangs up.</summary>
public sealed record CallbackNode(string Id, ImmutableArray<PromptItem> Prompts, string Service) : IvrNode(Id, Prompts);

/// <summary>Plays its prompts, then hangs up.</summary>
public sealed record HangUpNode(string Id, ImmutableArray<PromptItem> Prompts, string Reason) : IvrNode(Id, Prompts);

/// <summary>What a node plays: a recorded prompt, or a session variable read out digit by digit or as an amount.</summary>
public abstract record PromptItem;

/// <summary>A prompt from the menu's <c>prompts</c> table (or a built-in number prompt), in the session's language
/// unless <paramref name="Language"/> pins one (a bilingual greeting: "普通话请按1, for English press 2").</summary>
public sealed record PlayPrompt(string PromptId, string? Language = null) : PromptItem;

/// <summary>Reads a variable digit by digit ("1 2 3 4").</summary>
public sealed record SayDigits(string Variable) : PromptItem;

/// <summary>Reads a variable as an amount ("1 2 3 point 4 5 yuan").</summary>
public sealed record SayAmount(string Variable) : PromptItem;

/// <summary>The post-call satisfaction survey (IVR-3) carried by a survey menu file.</summary>
public sealed record SurveySettings(
    ImmutableArray<PromptItem> Question,
    ImmutableArray<PromptItem> Thanks,
    ImmutableArray<PromptItem> Invalid,
    TimeSpan Timeout,
    int Retries,
    int MinScore,
    int MaxScore);
