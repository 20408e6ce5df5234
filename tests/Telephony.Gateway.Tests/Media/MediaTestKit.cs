using System.Net;
using System.Net.Sockets;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Sip.Rtp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Gateway.Tests.Media;

/// <summary>Engines on 127.0.0.1 with a port range of their own, and raw-socket RTP peers.</summary>
internal static class MediaTestKit
{
    /// <summary>Generous: only a hang fails on it, never a slow machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private const int RangePorts = 400;
    private static int s_nextRange = Random.Shared.Next(0, 40) * RangePorts;

    public static MediaOptions Options(string? recordingFolder = null)
    {
        // Spread engines over 30000-45999 so parallel tests (and other agents' runs) rarely meet.
        var start = 30_000 + (Interlocked.Add(ref s_nextRange, RangePorts) % 16_000);
        return new MediaOptions
        {
            BindAddress = "127.0.0.1",
            PortMin = start,
            PortMax = start + RangePorts - 1,
            RecordingFolder = recordingFolder ?? Path.Combine(Path.GetTempPath(), "media-tests"),
        };
    }

    /// <summary>An engine paced by the real clock.</summary>
    public static MediaEngine PacedEngine(MediaOptions? options = null) =>
        new(options ?? Options(), TimeProvider.System, NullLogger<MediaEngine>.Instance);

    /// <summary>An engine whose loop never fires: the test runs ticks itself with <see cref="MediaEngine.RunTick"/>.</summary>
    public static MediaEngine SteppedEngine(MediaOptions? options = null) =>
        new(options ?? Options(), new FakeTimeProvider(), NullLogger<MediaEngine>.Instance);

    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>A frame of one constant µ-law or A-law code.</summary>
    public static byte[] Frame(byte code, int samples = 160) => Enumerable.Repeat(code, samples).ToArray();

    /// <summary>The level a peer really sends for a target level after G.711.</summary>
    public static short Level(int payloadType, short target) =>
        payloadType == AudioFormat.PcmaPayloadType ? G711.DecodeALaw(G711.EncodeALaw(target)) : G711.DecodeMuLaw(G711.EncodeMuLaw(target));

    public static byte Code(int payloadType, short level) =>
        payloadType == AudioFormat.PcmaPayloadType ? G711.EncodeALaw(level) : G711.EncodeMuLaw(level);

    public static short[] Decode(int payloadType, ReadOnlySpan<byte> codes)
    {
        var pcm = new short[codes.Length];
        if (payloadType == AudioFormat.PcmaPayloadType)
        {
            G711.DecodeALaw(codes, pcm);
        }
        else
        {
            G711.DecodeMuLaw(codes, pcm);
        }

        return pcm;
    }
}

/// <summary>A phone's RTP socket, as raw as it gets: sends packets it builds and queues what arrives.</summary>
internal sealed class RtpPeer : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly uint _ssrc = (uint)Random.Shared.Next();
    private ushort _sequence = (ushort)Random.Shared.Next(ushort.MaxValue);
    private uint _timestamp = (uint)Random.Shared.Next();

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    public uint Ssrc => _ssrc;

    public RtpRemote RemoteFor(int payloadType = AudioFormat.PcmuPayloadType, int? telephoneEvent = 101) =>
        new(EndPoint, payloadType, telephoneEvent);

    public Task SendAudioAsync(RtpLeg to, int payloadType, byte[] payload) =>
        SendAsync(to.LocalEndPoint, new RtpPacket
        {
            PayloadType = payloadType,
            SequenceNumber = _sequence++,
            Timestamp = (_timestamp += (uint)payload.Length),
            Ssrc = _ssrc,
            Payload = payload,
        });

    public async Task SendAsync(IPEndPoint to, RtpPacket packet) => await _udp.SendAsync(packet.ToArray(), to);

    public async Task<RtpPacket> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(MediaTestKit.Patience);
        while (true)
        {
            var result = await _udp.ReceiveAsync(timeout.Token);
            if (RtpPacket.TryParse(result.Buffer, out var packet))
            {
                return packet!;
            }
        }
    }

    /// <summary>Throws away what arrived so far.</summary>
    public void Drain()
    {
        while (_udp.Available > 0)
        {
            IPEndPoint? from = null;
            _udp.Receive(ref from);
        }
    }

    public void Dispose() => _udp.Dispose();
}
