using System.Collections.Concurrent;
using CallCenter.Telephony.Gateway.Ivr;
using CallCenter.Telephony.Sip.Rtp;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class PromptLibraryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("ivr-prompts-").FullName;
    private readonly RecordingLogger _logger = new();

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private static readonly PromptSynthesis TonesOnly = new(SpeechEngine: null);

    private static IvrMenu[] DemoMenus => [Demo.Hotline, Demo.Survey];

    [Fact]
    public async Task Without_a_speech_engine_every_prompt_is_a_tone_wav_and_one_warning_says_how_to_get_speech()
    {
        var library = await PromptLibrary.PrepareAsync(DemoMenus, _cache, _logger, TonesOnly, CancellationToken.None);
        Assert.False(library.UsesSpeech);
        Assert.Single(_logger.Messages, m => m.Contains("apt-get install espeak-ng"));

        foreach (var menu in DemoMenus)
            foreach (var id in menu.Prompts.Keys.Concat(NumberReadout.PromptIds))
                foreach (var language in menu.Languages)
                {
                    var path = library.PathOf(new PromptRef(id, language));
                    Assert.NotEqual(library.MissingPromptPath, path);
                    var wav = WavFile.Read(File.ReadAllBytes(path));
                    Assert.Equal(8000, wav.SampleRate);
                    Assert.True(wav.SampleFrames > 0);
                }
        Assert.NotEqual(library.PathOf(new PromptRef("welcome", "zh")), library.PathOf(new PromptRef("welcome", "en")));
    }

    [Fact]
    public async Task Missing_languages_fall_back_to_the_default_and_unknown_prompts_to_the_missing_tone()
    {
        var library = await PromptLibrary.PrepareAsync(DemoMenus, _cache, _logger, TonesOnly, CancellationToken.None);
        Assert.Equal(library.PathOf(new PromptRef("welcome", "zh")), library.PathOf(new PromptRef("welcome", "fr")));
        Assert.Equal(library.MissingPromptPath, library.PathOf(new PromptRef("no-such-prompt", "en")));
        Assert.True(WavFile.Read(File.ReadAllBytes(library.MissingPromptPath)).SampleFrames > 0);
    }

    [Fact]
    public async Task A_changed_text_regenerates_only_that_prompt()
    {
        var first = await PromptLibrary.PrepareAsync([Demo.Hotline], _cache, _logger, TonesOnly, CancellationToken.None);
        var tree = Demo.HotlineTree();
        tree["prompts"]!["goodbye"]!["en"] = "Bye now.";
        var edited = IvrMenuParser.Parse(tree.ToJsonString(), "edited.json");
        var second = await PromptLibrary.PrepareAsync([edited], _cache, _logger, TonesOnly, CancellationToken.None);

        Assert.NotEqual(first.PathOf(new PromptRef("goodbye", "en")), second.PathOf(new PromptRef("goodbye", "en")));
        Assert.Equal(first.PathOf(new PromptRef("goodbye", "zh")), second.PathOf(new PromptRef("goodbye", "zh")));
        Assert.Equal(first.PathOf(new PromptRef("welcome", "en")), second.PathOf(new PromptRef("welcome", "en")));
        Assert.Contains(_logger.Messages, m => m.Contains("1 generated"));
    }

    [Fact]
    public async Task With_espeak_ng_prompts_are_speech_at_22050_hz()
    {
        if (!File.Exists("/usr/bin/espeak-ng") && !File.Exists("/usr/local/bin/espeak-ng"))
        {
            // xunit 2 has no dynamic skip: say why nothing was checked.
            output.WriteLine("SKIPPED: espeak-ng is not installed (apt-get install espeak-ng); the tone fallback is tested separately");
            return;
        }
        var library = await PromptLibrary.PrepareAsync([IvrMenuParser.Parse(Minimal(), "minimal.json")], _cache, _logger, CancellationToken.None);
        Assert.True(library.UsesSpeech);
        foreach (var prompt in new[] { new PromptRef("goodbye", "en"), new PromptRef("goodbye", "zh"), new PromptRef("number.7", "zh") })
        {
            var wav = WavFile.Read(File.ReadAllBytes(library.PathOf(prompt)));
            Assert.Equal(22050, wav.SampleRate);
            Assert.Equal(1, wav.Channels);
            Assert.True(wav.Duration > TimeSpan.FromMilliseconds(100), $"{prompt} is {wav.Duration}");
        }
        Assert.DoesNotContain(_logger.Messages, m => m.Contains("failed"));
    }

    private static string Minimal() => """
        {
          "id": "mini", "service": "9", "defaultLanguage": "zh", "languages": ["zh", "en"], "start": "bye",
          "prompts": { "goodbye": { "zh": "再见", "en": "-help me, goodbye" } },
          "nodes": { "bye": { "type": "hangup", "prompts": ["goodbye"] } }
        }
        """;

    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));
    }
}
