using System.Buffers.Binary;
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
            wav = WavFile.Read(WithPlainFormatTag(bytes));
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

    /// <summary>
    /// Many editors write WAVE_FORMAT_EXTENSIBLE (0xFFFE) even for 16-bit PCM; the real format is the first two bytes of
    /// the sub-format GUID. Returns the file with that tag in the plain fmt field, so the WAVE reader sees PCM or G.711.
    /// </summary>
    private static ReadOnlySpan<byte> WithPlainFormatTag(ReadOnlySpan<byte> file)
    {
        const int riffHeaderBytes = 12;
        const int chunkHeaderBytes = 8;
        const ushort extensible = 0xFFFE;
        const int subFormatOffset = 24;
        var offset = riffHeaderBytes;
        while (offset + chunkHeaderBytes <= file.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
            var body = offset + chunkHeaderBytes;
            if (file.Slice(offset, 4).SequenceEqual("fmt "u8))
            {
                if (size < subFormatOffset + 2 || body + subFormatOffset + 2 > file.Length
                    || BinaryPrimitives.ReadUInt16LittleEndian(file[body..]) != extensible)
                {
                    return file;
                }

                var copy = file.ToArray();
                file.Slice(body + subFormatOffset, 2).CopyTo(copy.AsSpan(body));
                return copy;
            }

            if (size > (uint)(file.Length - body))
            {
                return file;
            }

            offset = body + (int)size + (int)(size % 2);
        }

        return file;
    }

    public override string ToString() => $"{Source ?? "pcm"} ({Duration.TotalSeconds:0.###} s)";
}
