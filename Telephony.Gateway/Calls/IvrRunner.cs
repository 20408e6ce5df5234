using System.Collections.Concurrent;
using System.Threading.Channels;
using CallCenter.Telephony.Gateway.Ivr;
using CallCenter.Telephony.Gateway.Media;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>What an IVR or survey walk ended with, and what it noted on the way.</summary>
public sealed record IvrOutcome(IvrAction Terminal, int? SurveyScore, CallbackRequested? Callback);

/// <summary>
/// Executes an IVR session's actions on a caller's media leg: prompts (with barge-in), input timers,
/// back-office lookups, and feeds the leg's RFC 4733 digits back as events. The session decides;
/// this class only carries out, so the same runner serves menus and the post-call survey.
/// </summary>
public sealed class IvrRunner(RtpLeg leg, PromptLibrary prompts, PromptCache cache, IBackOfficeLookup lookup, TimeProvider time, ILogger logger)
{
    public async Task<IvrOutcome> RunAsync(Func<IReadOnlyList<IvrAction>> start, Func<IvrEvent, IReadOnlyList<IvrAction>> handle, CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<IvrEvent>(new UnboundedChannelOptions { SingleReader = true });
        void OnDigit(RtpLeg _, char digit) => events.Writer.TryWrite(new DigitPressed(digit));
        var timers = new Dictionary<int, CancellationTokenSource>();
        CancellationTokenSource? playback = null;
        var playbackId = -1;
        int? score = null;
        CallbackRequested? callback = null;
        leg.DigitReceived += OnDigit;
        try
        {
            var actions = new Queue<IvrAction>(start());
            while (true)
            {
                while (actions.TryDequeue(out var action))
                {
                    switch (action)
                    {
                        case PlayPrompts play:
                            playback?.Cancel();
                            playback = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                            playbackId = play.PlaybackId;
                            _ = PlayAsync(play, events.Writer, playback.Token);
                            break;
                        case StopPrompts stop when stop.PlaybackId == playbackId:
                            playback?.Cancel();
                            leg.Play(null);
                            break;
                        case StartInputTimer timer:
                            var timerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                            timers[timer.TimerId] = timerCancel;
                            _ = FireAfterAsync(timer, events.Writer, timerCancel.Token);
                            break;
                        case CancelInputTimer cancel when timers.Remove(cancel.TimerId, out var running):
                            running.Cancel();
                            break;
                        case LookupRequest request:
                            _ = LookupAsync(request, events.Writer, cancellationToken);
                            break;
                        case SurveyAnswered answered:
                            score = answered.Score;
                            break;
                        case CallbackRequested requested:
                            callback = requested;
                            break;
                        case ToQueue or ToVoicemail or HangUp:
                            return new IvrOutcome(action, score, callback);
                    }
                }
                var next = await events.Reader.ReadAsync(cancellationToken);
                foreach (var action in handle(next))
                {
                    actions.Enqueue(action);
                }
            }
        }
        finally
        {
            leg.DigitReceived -= OnDigit;
            playback?.Cancel();
            foreach (var timer in timers.Values)
            {
                timer.Cancel();
            }
        }
    }

    private async Task PlayAsync(PlayPrompts play, ChannelWriter<IvrEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var sources = play.Prompts.Select(p => AudioSources.Prompt(cache.Get(prompts.PathOf(p)))).ToArray();
            await leg.PlayAsync(AudioSources.Sequence(sources), cancellationToken);
            if (!cancellationToken.IsCancellationRequested)
            {
                events.TryWrite(new PromptFinished(play.PlaybackId));
            }
        }
        catch (OperationCanceledException)
        {
            // Barge-in or the caller left: the session already knows.
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or MediaException or ObjectDisposedException)
        {
            // A missing or broken prompt must not strand the caller: the walk goes on as if it had played.
            logger.LogWarning(ex, "Prompt playback failed on {Leg}", leg.Name);
            events.TryWrite(new PromptFinished(play.PlaybackId));
        }
    }

    private async Task FireAfterAsync(StartInputTimer timer, ChannelWriter<IvrEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(timer.Timeout, time, cancellationToken);
            events.TryWrite(new InputTimedOut(timer.TimerId));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task LookupAsync(LookupRequest request, ChannelWriter<IvrEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var result = await lookup.LookupAsync(request.Service, request.Arguments, cancellationToken);
            events.TryWrite(new LookupCompleted(result));
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Back-office lookup {Service} failed", request.Service);
            events.TryWrite(new LookupFailed(ex.Message));
        }
    }
}

/// <summary>Decoded prompts, loaded once per file and shared by every call.</summary>
public sealed class PromptCache
{
    private readonly ConcurrentDictionary<string, Lazy<PromptAudio>> _prompts = new(StringComparer.Ordinal);

    public PromptAudio Get(string path) => _prompts.GetOrAdd(path, p => new Lazy<PromptAudio>(() => PromptAudio.Load(p))).Value;

    /// <summary>Drops decoded prompts after the menus were reloaded (texts, and so files, may have changed).</summary>
    public void Clear() => _prompts.Clear();
}
