using System.Collections.Immutable;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>A prompt to play in a language; <see cref="PromptLibrary.PathOf"/> turns it into a WAV file.</summary>
public sealed record PromptRef(string PromptId, string Language);

/// <summary>Something that happened on the caller's media leg, fed to <see cref="IvrSession.Handle"/>.</summary>
public abstract record IvrEvent;

/// <summary>The playback started by <see cref="PlayPrompts"/> with this id reached its end (not sent for stopped playbacks;
/// a late one is ignored).</summary>
public sealed record PromptFinished(int PlaybackId) : IvrEvent;

/// <summary>A DTMF key (RFC 4733 event or in-band): '0'-'9', '*', '#', 'A'-'D'.</summary>
public sealed record DigitPressed(char Digit) : IvrEvent;

/// <summary>The timer started by <see cref="StartInputTimer"/> with this id expired (a late one is ignored).</summary>
public sealed record InputTimedOut(int TimerId) : IvrEvent;

/// <summary>The back office answered the last <see cref="LookupRequest"/>.</summary>
public sealed record LookupCompleted(IReadOnlyDictionary<string, string> Result) : IvrEvent;

/// <summary>The last <see cref="LookupRequest"/> failed (back office down, timed out...).</summary>
public sealed record LookupFailed(string Reason) : IvrEvent;

/// <summary>What the call control must do on the caller's media leg, in list order.</summary>
public abstract record IvrAction;

/// <summary>Play these prompts in order; when the last one ends, report <see cref="PromptFinished"/> with
/// <paramref name="PlaybackId"/>. With <paramref name="BargeIn"/> keys are reported while playing.</summary>
public sealed record PlayPrompts(IReadOnlyList<PromptRef> Prompts, bool BargeIn, int PlaybackId) : IvrAction;

/// <summary>Stop the current playback at once (the caller barged in or the IVR moved on); no PromptFinished follows.</summary>
public sealed record StopPrompts(int PlaybackId) : IvrAction;

/// <summary>Start (or restart) the input timer; when it expires report <see cref="InputTimedOut"/> with <paramref name="TimerId"/>.</summary>
public sealed record StartInputTimer(TimeSpan Timeout, int TimerId) : IvrAction;

/// <summary>Cancel the input timer with this id.</summary>
public sealed record CancelInputTimer(int TimerId) : IvrAction;

/// <summary>Ask the back office; answer with <see cref="LookupCompleted"/> or <see cref="LookupFailed"/>.</summary>
public sealed record LookupRequest(string Service, IReadOnlyDictionary<string, string> Arguments) : IvrAction;

/// <summary>Terminal: put the call in the ACD queue of <paramref name="Service"/> (the "0 for an agent" key uses the
/// menu's agent service). <paramref name="AttachedData"/> goes to the agent's screen.</summary>
public sealed record ToQueue(
    string Service,
    int Priority,
    ImmutableDictionary<string, int> RequiredSkills,
    ImmutableDictionary<string, string> AttachedData,
    string Language) : IvrAction;

/// <summary>Terminal: send the caller to the voice mailbox of <paramref name="Service"/>.</summary>
public sealed record ToVoicemail(string Service, ImmutableDictionary<string, string> AttachedData, string Language) : IvrAction;

/// <summary>Record a callback request (followed by <see cref="HangUp"/>).</summary>
public sealed record CallbackRequested(string Service, string CallerNumber, ImmutableDictionary<string, string> AttachedData, string Language) : IvrAction;

/// <summary>Terminal: release the call.</summary>
public sealed record HangUp(string Reason) : IvrAction;

/// <summary>The caller's survey score, for the call record (followed by the thanks prompt and <see cref="HangUp"/>).</summary>
public sealed record SurveyAnswered(int Score) : IvrAction;

/// <summary>Where an <see cref="IvrSession"/> is in its walk.</summary>
public enum IvrSessionState
{
    /// <summary>Built; <see cref="IvrSession.Start"/> not called yet.</summary>
    Created,
    /// <summary>Playing a node's prompts; keys barge in.</summary>
    Playing,
    /// <summary>Prompts done, input timer running.</summary>
    WaitingForInput,
    /// <summary>A back-office lookup is outstanding.</summary>
    WaitingForLookup,
    /// <summary>Playing the last prompts before the terminal action; keys are ignored.</summary>
    Finishing,
    /// <summary>A terminal action (ToQueue, ToVoicemail, HangUp) was emitted; every further event is ignored.</summary>
    Finished,
}

/// <summary>The caller as the IVR sees it. <paramref name="IsVip"/> comes from the customer directory; <paramref name="AttachedData"/>
/// seeds the data that travels with the call.</summary>
public sealed record IvrCallContext(
    string CallerNumber,
    string DialledNumber,
    bool IsVip = false,
    ImmutableDictionary<string, string>? AttachedData = null,
    string? PreferredLanguage = null);
