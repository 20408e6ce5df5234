using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// A prompt decoded once to 8 kHz mono linear PCM, shareable by any number of calls (each playback reads it through
/// its own <see cref="AudioSources.Prompt"/> cursor).
/// </summary>
public sealed class PromptAudio
{
    private readonly short[] _samples;

    private PromptAudio(short[] samples, string? source)
    {
        _samples = samples;
        Source = source;
    }

    public ReadOnlyMemory<short> Samples => _samples;

    public TimeSpan Duration => TimeSpan.FromSeconds((double)_samples.Length / AudioFormat.SampleRate);

    /// <summary>The file it came from, for logs.</summary>
    public string? Source { get; }

    /// <summary>
    /// Reads a WAVE file: 16-bit PCM or G.711, mono or multi-channel (mixed down), any rate 4-192 kHz (converted to
    /// 8 kHz). Anything else raises <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static PromptAudio Load(string wavPath) => Decode(File.ReadAllBytes(wavPath), wavPath);

    public static async Task<PromptAudio> LoadAsync(string wavPath, CancellationToken cancellationToken = default) =>
        Decode(await File.ReadAllBytesAsync(wavPath, cancellationToken).ConfigureAwait(false), wavPath);

    public static PromptAudio FromWav(ReadOnlySpan<byte> wav, string? source = null) => Decode(wav, source);

    /// <summary>Wraps 8 kHz mono samples (copied).</summary>
    public static PromptAudio FromPcm(short[] samples8k)
    {
        ArgumentNullException.ThrowIfNull(samples8k);
        return new PromptAudio((short[])samples8k.Clone(), null);
    }

    private static PromptAudio Decode(ReadOnlySpan<byte> bytes, string? source)
    {
        WavFile wav;
        try
        {
            wav = WavFile.Read(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Prompt '{source}' is not a usable WAVE file: {e.Message}", e);
        }

        if (wav.SampleRate is < Resampler.MinInputRate or > Resampler.MaxInputRate)
        {
            throw new InvalidDataException($"Prompt '{source}' has a sample rate of {wav.SampleRate} Hz; {Resampler.MinInputRate}-{Resampler.MaxInputRate} Hz are supported.");
        }

        var pcm = wav.ToPcm16();
        var mono = wav.Channels == 1 ? pcm : Resampler.ToMono(pcm, wav.Channels);
        return new PromptAudio(Resampler.ToTelephoneRate(mono, wav.SampleRate), source);
    }

    public override string ToString() => $"{Source ?? "pcm"} ({Duration.TotalSeconds:0.###} s)";
}
