using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CallCenter.Telephony.Sip.Rtp;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>How prompt texts become speech.</summary>
/// <param name="SpeechEngine">The espeak-ng executable (name on PATH or a path); null always generates tones.</param>
/// <param name="Voices">Language -> espeak-ng voice; a language not listed is used as the voice name.</param>
public sealed record PromptSynthesis(
    string? SpeechEngine = "espeak-ng",
    int WordsPerMinute = 150,
    IReadOnlyDictionary<string, string>? Voices = null,
    TimeSpan? TimeoutPerPrompt = null);

/// <summary>
/// Maps (prompt id, language) to a WAV file. Texts come from the menus' prompts tables (plus the built-in number
/// prompts, <see cref="NumberReadout"/>); files are synthesized once with espeak-ng into a cache folder, keyed by a
/// hash of engine, voice, speed and text, so editing a text regenerates only that prompt. espeak-ng writes 22,050 Hz
/// 16-bit mono, kept as is (the media engine resamples). Without espeak-ng every prompt becomes a short tone
/// sequence, so the IVR still runs, and one warning says how to get speech.
/// </summary>
public sealed partial class PromptLibrary
{
    private const int ToneSampleRate = 8000;

    private readonly ImmutableDictionary<(string Id, string Language), string> _paths;
    private readonly ImmutableDictionary<string, string> _defaultLanguage;

    private PromptLibrary(ImmutableDictionary<(string, string), string> paths, ImmutableDictionary<string, string> defaultLanguage, string missingPromptPath, bool speech)
    {
        _paths = paths;
        _defaultLanguage = defaultLanguage;
        MissingPromptPath = missingPromptPath;
        UsesSpeech = speech;
    }

    /// <summary>The tone played for a prompt id no menu defines.</summary>
    public string MissingPromptPath { get; }

    /// <summary>Whether espeak-ng was available (false: all prompts are tone sequences).</summary>
    public bool UsesSpeech { get; }

    /// <summary>Every prompt id with a file.</summary>
    public IReadOnlySet<string> PromptIds => _defaultLanguage.Keys.ToImmutableHashSet(StringComparer.Ordinal);

    public bool Contains(string promptId) => _defaultLanguage.ContainsKey(promptId);

    /// <summary>The WAV for a prompt: in its language, else in the default language of the menu that defined it,
    /// else the missing-prompt tone (never throws: a menu edit must not break a call in progress).</summary>
    public string PathOf(PromptRef prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (_paths.TryGetValue((prompt.PromptId, prompt.Language), out var path))
            return path;
        if (_defaultLanguage.TryGetValue(prompt.PromptId, out var language) && _paths.TryGetValue((prompt.PromptId, language), out path))
            return path;
        return MissingPromptPath;
    }

    public static Task<PromptLibrary> PrepareAsync(IEnumerable<IvrMenu> menus, string cacheFolder, ILogger logger, CancellationToken ct) =>
        PrepareAsync(menus, cacheFolder, logger, new PromptSynthesis(), ct);

    public static async Task<PromptLibrary> PrepareAsync(IEnumerable<IvrMenu> menus, string cacheFolder, ILogger logger, PromptSynthesis synthesis, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(menus);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(synthesis);
        Directory.CreateDirectory(cacheFolder);

        var texts = new Dictionary<(string Id, string Language), string>();
        var defaultLanguage = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var menu in menus)
        {
            var table = NumberReadout.BuiltInTexts.SetItems(menu.Prompts);
            foreach (var (id, byLanguage) in table)
            {
                defaultLanguage.TryAdd(id, menu.DefaultLanguage);
                foreach (var (language, text) in byLanguage)
                {
                    if (!texts.TryAdd((id, language), text) && texts[(id, language)] != text && !NumberReadout.IsNumberPrompt(id))
                        LogConflictingText(logger, id, language, menu.SourceName);
                }
            }
        }

        var engine = synthesis.SpeechEngine is { } name ? FindExecutable(name) : null;
        if (engine is null)
            LogNoSpeechEngine(logger, synthesis.SpeechEngine ?? "(disabled)");

        var paths = ImmutableDictionary.CreateBuilder<(string, string), string>();
        var generated = 0;
        foreach (var ((id, language), text) in texts.OrderBy(t => t.Key.Id, StringComparer.Ordinal).ThenBy(t => t.Key.Language, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var voice = synthesis.Voices?.GetValueOrDefault(language) ?? language;
            var key = engine is null ? $"tone\n{text}" : $"espeak-ng\n{voice}\n{synthesis.WordsPerMinute}\n{text}";
            var path = Path.Combine(cacheFolder, $"{SafeName(id)}.{SafeName(language)}.{Hash(key)}.wav");
            if (!File.Exists(path))
            {
                generated++;
                if (engine is null || !await TrySpeakAsync(engine, voice, synthesis, text, path, logger, ct))
                    await WriteAtomicallyAsync(path, ToneSequence(text), ct);
            }
            paths[(id, language)] = path;
        }

        var missing = Path.Combine(cacheFolder, "missing-prompt.tone.wav");
        if (!File.Exists(missing))
            await WriteAtomicallyAsync(missing, MissingTone(), ct);
        LogPrepared(logger, paths.Count, generated, cacheFolder);
        return new PromptLibrary(paths.ToImmutable(), defaultLanguage.ToImmutableDictionary(StringComparer.Ordinal), missing, engine is not null);
    }

    private static async Task<bool> TrySpeakAsync(string engine, string voice, PromptSynthesis synthesis, string text, string path, ILogger logger, CancellationToken ct)
    {
        var temporary = path + ".partial";
        try
        {
            var start = new ProcessStartInfo(engine)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                UseShellExecute = false,
            };
            // The text goes through stdin so that a prompt starting with '-' is never read as an option.
            foreach (var argument in new[] { "-v", voice, "-s", synthesis.WordsPerMinute.ToString(CultureInfo.InvariantCulture), "-w", temporary, "--stdin" })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{engine} did not start");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(synthesis.TimeoutPerPrompt ?? TimeSpan.FromSeconds(30));
            try
            {
                await process.StandardInput.WriteAsync(text.AsMemory(), timeout.Token);
                process.StandardInput.Close();
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                var problem = (await stderr).Trim();
                await stdout;
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"exit code {process.ExitCode}: {problem}");
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                ct.ThrowIfCancellationRequested();
                throw new TimeoutException($"{engine} did not finish in time");
            }
            // A file that does not read back as WAVE is as good as none.
            var wav = WavFile.Read(await File.ReadAllBytesAsync(temporary, ct));
            if (wav.SampleFrames == 0)
                throw new InvalidDataException("no audio");
            File.Move(temporary, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogSpeechFailed(logger, Path.GetFileName(path), e.Message);
            File.Delete(temporary);
            return false;
        }
    }

    private static string? FindExecutable(string name)
    {
        if (name.Contains(Path.DirectorySeparatorChar))
            return File.Exists(name) ? name : null;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>A few beeps whose pitches come from the text, so different prompts are told apart by ear in a tone-only install.</summary>
    internal static byte[] ToneSequence(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var beeps = Math.Clamp(2 + text.Length / 12, 2, 6);
        var samples = new List<short>();
        for (var i = 0; i < beeps; i++)
        {
            AddTone(samples, 440 + hash[i] * 3, TimeSpan.FromMilliseconds(160));
            AddTone(samples, 0, TimeSpan.FromMilliseconds(80));
        }
        return WavFile.FromPcm16(samples.ToArray(), ToneSampleRate).ToArray();
    }

    private static byte[] MissingTone()
    {
        var samples = new List<short>();
        AddTone(samples, 300, TimeSpan.FromMilliseconds(250));
        AddTone(samples, 0, TimeSpan.FromMilliseconds(100));
        AddTone(samples, 300, TimeSpan.FromMilliseconds(250));
        return WavFile.FromPcm16(samples.ToArray(), ToneSampleRate).ToArray();
    }

    private static void AddTone(List<short> samples, double frequency, TimeSpan duration)
    {
        var count = (int)(duration.TotalSeconds * ToneSampleRate);
        for (var n = 0; n < count; n++)
            samples.Add(frequency == 0 ? (short)0 : (short)(8000 * Math.Sin(2 * Math.PI * frequency * n / ToneSampleRate)));
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken ct)
    {
        var temporary = path + ".partial";
        await File.WriteAllBytesAsync(temporary, content, ct);
        File.Move(temporary, path, overwrite: true);
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];

    private static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speech engine {Engine} not found: IVR prompts are tone sequences; `apt-get install espeak-ng` gives speech")]
    private static partial void LogNoSpeechEngine(ILogger logger, string engine);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Speech synthesis failed for {Prompt}, using a tone sequence: {Problem}")]
    private static partial void LogSpeechFailed(ILogger logger, string prompt, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prompt {PromptId} ({Language}) in {Source} has a different text than an earlier menu; the first one is used")]
    private static partial void LogConflictingText(ILogger logger, string promptId, string language, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "IVR prompts ready: {Prompts} files, {Generated} generated, cache {Folder}")]
    private static partial void LogPrepared(ILogger logger, int prompts, int generated, string folder);
}
