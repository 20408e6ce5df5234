using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CallCenter.Telephony.Gateway.Media;

/// <summary>
/// Records a call as a stereo 8 kHz 16-bit PCM WAVE file: left what the caller said, right what the agent said,
/// aligned by the pacing tick. The tick only copies samples into pooled one-second chunks; a background writer
/// appends them and rewrites the RIFF and data sizes after every chunk, so after a crash the file is valid up to
/// the last second written.
/// </summary>
public sealed class CallRecording : IAsyncDisposable
{
    private const int Channels = 2;
    private const int BytesPerFrame = Channels * sizeof(short);
    private const int ChunkBytes = AudioFormat.SampleRate * BytesPerFrame;
    private const int HeaderBytes = 44;
    private const int RiffSizeOffset = 4;
    private const int DataSizeOffset = 40;

    private readonly MediaEngine _engine;
    private readonly FileStream _file;
    private readonly ILogger _logger;
    private readonly Channel<(byte[] Chunk, int Length)> _chunks =
        Channel.CreateUnbounded<(byte[] Chunk, int Length)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly Task _writer;
    private byte[] _chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
    private int _chunkLength;
    private long _samplesCaptured;
    private int _stopped;

    internal CallRecording(MediaEngine engine, string path, RtpLeg caller, RtpLeg agent, ILogger logger)
    {
        _engine = engine;
        Path = path;
        Caller = caller;
        Agent = agent;
        _logger = logger;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0, useAsync: true);
        _file.Write(Header(0));
        _file.Flush();
        _writer = Task.Run(WriteAsync);
    }

    public string Path { get; }

    public RtpLeg Caller { get; }

    public RtpLeg Agent { get; }

    /// <summary>Other agents in a conference, heard on the agent channel with <see cref="Agent"/> (set under the engine's lock).</summary>
    internal RtpLeg[] OtherAgentsLocked { get; set; } = [];

    /// <summary>Audio captured so far (written to the file within about a second).</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds((double)Interlocked.Read(ref _samplesCaptured) / AudioFormat.SampleRate);

    /// <summary>Completes once the file is closed with its final header.</summary>
    public Task Completion => _writer;

    /// <summary>Stops recording and waits for the file to be complete.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            lock (_engine.Gate)
            {
                _engine.RemoveRecordingLocked(this);
                FlushChunkLocked();
                ArrayPool<byte>.Shared.Return(_chunk);
                _chunk = [];
                _chunks.Writer.TryComplete();
            }
        }

        await _writer.ConfigureAwait(false);
    }

    /// <summary>Tick phase 4: one frame of each direction, interleaved.</summary>
    internal void Capture(long tick)
    {
        var left = Caller.InboundPcm(tick);
        var right = Agent.InboundPcm(tick);
        var others = OtherAgentsLocked;
        for (var i = 0; i < left.Length; i++)
        {
            // Every agent of a conference on the agent channel, summed and clipped as a mixer would.
            int agents = right[i];
            foreach (var other in others)
            {
                agents += other.InboundPcm(tick)[i];
            }
            if (_chunkLength + BytesPerFrame > ChunkBytes)
            {
                FlushChunkLocked();
            }

            BinaryPrimitives.WriteInt16LittleEndian(_chunk.AsSpan(_chunkLength), left[i]);
            BinaryPrimitives.WriteInt16LittleEndian(_chunk.AsSpan(_chunkLength + sizeof(short)), (short)Math.Clamp(agents, short.MinValue, short.MaxValue));
            _chunkLength += BytesPerFrame;
        }

        Interlocked.Add(ref _samplesCaptured, left.Length);
    }

    private void FlushChunkLocked()
    {
        if (_chunkLength == 0)
        {
            return;
        }

        _chunks.Writer.TryWrite((_chunk, _chunkLength));
        _chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        _chunkLength = 0;
    }

    private async Task WriteAsync()
    {
        long dataBytes = 0;
        var header = new byte[HeaderBytes];
        try
        {
            await foreach (var (chunk, length) in _chunks.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    // RIFF sizes are 32 bits: stop growing the file rather than write a header that lies.
                    if (dataBytes + length <= uint.MaxValue - HeaderBytes)
                    {
                        _file.Seek(HeaderBytes + dataBytes, SeekOrigin.Begin);
                        await _file.WriteAsync(chunk.AsMemory(0, length)).ConfigureAwait(false);
                        dataBytes += length;
                        Header((uint)dataBytes).CopyTo(header);
                        _file.Seek(0, SeekOrigin.Begin);
                        await _file.WriteAsync(header).ConfigureAwait(false);
                        await _file.FlushAsync().ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }
            }
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Recording {Path} failed after {Bytes} bytes", Path, dataBytes);
            while (_chunks.Reader.TryRead(out var rest))
            {
                ArrayPool<byte>.Shared.Return(rest.Chunk);
            }
        }
        finally
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }

        _logger.LogInformation("Recording {Path} closed with {Seconds} s of audio", Path, dataBytes / (double)ChunkBytes);
    }

    private static byte[] Header(uint dataBytes)
    {
        var header = new byte[HeaderBytes];
        var span = header.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[RiffSizeOffset..], dataBytes + HeaderBytes - 8);
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], AudioFormat.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], AudioFormat.SampleRate * BytesPerFrame);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], BytesPerFrame);
        BinaryPrimitives.WriteUInt16LittleEndian(span[34..], 16);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[DataSizeOffset..], dataBytes);
        return header;
    }
}
