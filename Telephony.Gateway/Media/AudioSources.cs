namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// Audio a leg plays: 8 kHz mono linear PCM pulled one frame per pacing tick, on the media loop, so implementations
/// must be quick and must not block.
/// </summary>
public interface IAudioSource
{
    /// <summary>Fills up to <c>frame.Length</c> samples and returns how many; 0 means the source has ended.</summary>
    int Read(Span<short> frame);
}

/// <summary>The stock sources: prompts, sequences, loops, tones and silence.</summary>
public static class AudioSources
{
    /// <summary>-10 dBFS, loud enough for a tone without clipping after G.711.</summary>
    public const double DefaultToneLevel = 0.3;

    public static IAudioSource Prompt(PromptAudio prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return new PromptSource(prompt);
    }

    /// <summary>Plays each source to its end, then the next.</summary>
    public static IAudioSource Sequence(params IAudioSource[] sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Any(s => s is null))
        {
            throw new ArgumentException("A sequence cannot hold null sources.", nameof(sources));
        }

        return new SequenceSource([.. sources]);
    }

    /// <summary>Plays what the factory makes, again and again (music on hold); ends if a fresh source is empty.</summary>
    public static IAudioSource Loop(Func<IAudioSource> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new LoopSource(factory);
    }

    public static IAudioSource Loop(PromptAudio prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return new LoopSource(() => new PromptSource(prompt));
    }

    public static IAudioSource Tone(double hz, TimeSpan duration, double level = DefaultToneLevel)
    {
        if (hz is <= 0 or >= AudioFormat.SampleRate / 2.0 || double.IsNaN(hz))
        {
            throw new ArgumentOutOfRangeException(nameof(hz), hz, "A tone must lie between 0 and 4,000 Hz.");
        }

        if (level is < 0 or > 1 || double.IsNaN(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level is a fraction of full scale, 0-1.");
        }

        return new ToneSource(hz, SamplesOf(duration), level);
    }

    public static IAudioSource Silence(TimeSpan duration) => new SilenceSource(SamplesOf(duration));

    private static long SamplesOf(TimeSpan duration) =>
        duration >= TimeSpan.Zero
            ? (long)(duration.Ticks * AudioFormat.SampleRate / TimeSpan.TicksPerSecond)
            : throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration cannot be negative.");

    private sealed class PromptSource(PromptAudio prompt) : IAudioSource
    {
        private int _position;

        public int Read(Span<short> frame)
        {
            var rest = prompt.Samples.Span[_position..];
            var count = Math.Min(rest.Length, frame.Length);
            rest[..count].CopyTo(frame);
            _position += count;
            return count;
        }
    }

    private sealed class SequenceSource(IAudioSource[] sources) : IAudioSource
    {
        private int _index;

        public int Read(Span<short> frame)
        {
            var filled = 0;
            while (filled < frame.Length && _index < sources.Length)
            {
                var read = sources[_index].Read(frame[filled..]);
                if (read == 0)
                {
                    _index++;
                }

                filled += read;
            }

            return filled;
        }
    }

    private sealed class LoopSource(Func<IAudioSource> factory) : IAudioSource
    {
        private IAudioSource _current = factory();

        public int Read(Span<short> frame)
        {
            var filled = 0;
            var freshAndEmpty = false;
            while (filled < frame.Length)
            {
                var read = _current.Read(frame[filled..]);
                if (read > 0)
                {
                    filled += read;
                    freshAndEmpty = false;
                    continue;
                }

                if (freshAndEmpty)
                {
                    break;
                }

                _current = factory();
                freshAndEmpty = true;
            }

            return filled;
        }
    }

    /// <summary>
    /// A sine by the recurrence s[n] = 2·cos(ω)·s[n-1] − s[n-2]: two multiplications per sample instead of a Math.Sin,
    /// cheap enough for hundreds of legs playing ringback or hold tones at once.
    /// </summary>
    private sealed class ToneSource(double hz, long samples, double level) : IAudioSource
    {
        private readonly double _coefficient = 2 * Math.Cos(2 * Math.PI * hz / AudioFormat.SampleRate);
        private double _previous = -level * short.MaxValue * Math.Sin(2 * Math.PI * hz / AudioFormat.SampleRate);
        private double _beforePrevious = -level * short.MaxValue * Math.Sin(4 * Math.PI * hz / AudioFormat.SampleRate);
        private long _position;

        public int Read(Span<short> frame)
        {
            var count = (int)Math.Min(frame.Length, samples - _position);
            for (var i = 0; i < count; i++)
            {
                var next = (_coefficient * _previous) - _beforePrevious;
                frame[i] = (short)next;
                _beforePrevious = _previous;
                _previous = next;
            }

            _position += count;
            return count;
        }
    }

    private sealed class SilenceSource(long samples) : IAudioSource
    {
        private long _position;

        public int Read(Span<short> frame)
        {
            var count = (int)Math.Min(frame.Length, samples - _position);
            frame[..count].Clear();
            _position += count;
            return count;
        }
    }
}
