namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// Converts prompt audio of any common rate to 8 kHz with a Blackman-windowed sinc low-pass. The cut-off sits a
/// little under 4 kHz so what would alias onto the telephone band is removed first; taps are normalised per output
/// sample, so a constant level stays constant (also at the edges). Prompts are converted once, at load time.
/// </summary>
public static class Resampler
{
    public const int MinInputRate = 4_000;
    public const int MaxInputRate = 192_000;

    /// <summary>The pass band ends at this fraction of the output Nyquist frequency.</summary>
    private const double PassBandFraction = 0.9;

    /// <summary>Zero crossings of the sinc on each side; more means a steeper filter.</summary>
    private const int ZeroCrossings = 12;

    public static int OutputLength(int inputLength, int inputRate) =>
        (int)((long)inputLength * AudioFormat.SampleRate / inputRate);

    public static short[] ToTelephoneRate(ReadOnlySpan<short> input, int inputRate)
    {
        if (inputRate is < MinInputRate or > MaxInputRate)
        {
            throw new ArgumentOutOfRangeException(nameof(inputRate), inputRate, $"Sample rates {MinInputRate}-{MaxInputRate} Hz can be converted.");
        }

        if (inputRate == AudioFormat.SampleRate)
        {
            return input.ToArray();
        }

        var output = new short[OutputLength(input.Length, inputRate)];
        var step = (double)inputRate / AudioFormat.SampleRate;

        // Cut-off in cycles per input sample: below the lower of the two Nyquist frequencies.
        var cutoff = PassBandFraction * 0.5 * Math.Min(AudioFormat.SampleRate, inputRate) / inputRate;
        var halfWidth = ZeroCrossings / (2 * cutoff);
        for (var n = 0; n < output.Length; n++)
        {
            var center = n * step;
            var from = Math.Max(0, (int)Math.Ceiling(center - halfWidth));
            var to = Math.Min(input.Length - 1, (int)Math.Floor(center + halfWidth));
            double sum = 0;
            double weights = 0;
            for (var i = from; i <= to; i++)
            {
                var x = i - center;
                var weight = Sinc(2 * cutoff * x) * Blackman(x / halfWidth);
                sum += input[i] * weight;
                weights += weight;
            }

            output[n] = weights > 0 ? AudioFormat.Saturate((int)Math.Round(sum / weights)) : (short)0;
        }

        return output;
    }

    /// <summary>Averages interleaved channels into one.</summary>
    public static short[] ToMono(ReadOnlySpan<short> interleaved, int channels)
    {
        if (channels < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(channels));
        }

        var mono = new short[interleaved.Length / channels];
        for (var frame = 0; frame < mono.Length; frame++)
        {
            var sum = 0;
            for (var channel = 0; channel < channels; channel++)
            {
                sum += interleaved[(frame * channels) + channel];
            }

            mono[frame] = (short)(sum / channels);
        }

        return mono;
    }

    private static double Sinc(double x) => Math.Abs(x) < 1e-12 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    /// <summary>Blackman window over -1..1.</summary>
    private static double Blackman(double x) =>
        Math.Abs(x) >= 1 ? 0 : 0.42 + (0.5 * Math.Cos(Math.PI * x)) + (0.08 * Math.Cos(2 * Math.PI * x));
}
