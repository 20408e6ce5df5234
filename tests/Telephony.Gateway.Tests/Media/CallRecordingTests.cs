using System.Net;
using System.Buffers.Binary;
using CallCenter.Telephony.Gateway.Media;
using CallCenter.Telephony.Sip.Rtp;

namespace CallCenter.Telephony.Gateway.Tests.Media;

public sealed class CallRecordingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "media-recordings-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_recording_has_the_caller_on_the_left_and_the_agent_on_the_right_with_a_valid_header()
    {
        await using var engine = MediaTestKit.SteppedEngine(MediaTestKit.Options(_folder));
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        using var callerPhone = new RtpPeer();
        using var agentPhone = new RtpPeer();
        caller.SetRemote(callerPhone.RemoteFor(AudioFormat.PcmuPayloadType));
        agent.SetRemote(agentPhone.RemoteFor(AudioFormat.PcmaPayloadType));
        using var bridge = engine.Bridge(caller, agent);
        short[] callerSays = [1_000, 3_000, 5_000];
        short[] agentSays = [-2_000, -4_000, -6_000];
        for (var i = 0; i < 3; i++)
        {
            await callerPhone.SendAudioAsync(caller, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(MediaTestKit.Code(AudioFormat.PcmuPayloadType, callerSays[i])));
            await agentPhone.SendAudioAsync(agent, AudioFormat.PcmaPayloadType, MediaTestKit.Frame(MediaTestKit.Code(AudioFormat.PcmaPayloadType, agentSays[i])));
        }

        await MediaTestKit.WaitUntil(() => caller.PacketsReceived == 3 && agent.PacketsReceived == 3, "both sides' audio");
        var recording = engine.StartRecording("calls/call-1.wav", caller, agent);
        for (var tick = 0; tick < 3; tick++)
        {
            engine.RunTick(tick);
        }

        await recording.DisposeAsync();

        var bytes = await File.ReadAllBytesAsync(recording.Path);
        var wav = WavFile.Read(bytes);
        Assert.Equal((WavEncoding.Pcm, 8_000, 2), (wav.Encoding, wav.SampleRate, wav.Channels));
        Assert.Equal(3 * 160, wav.SampleFrames);
        Assert.Equal((uint)(bytes.Length - 8), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal((uint)(bytes.Length - 44), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
        var samples = wav.ToPcm16();
        for (var frame = 0; frame < wav.SampleFrames; frame++)
        {
            Assert.Equal(MediaTestKit.Level(AudioFormat.PcmuPayloadType, callerSays[frame / 160]), samples[frame * 2]);
            Assert.Equal(MediaTestKit.Level(AudioFormat.PcmaPayloadType, agentSays[frame / 160]), samples[(frame * 2) + 1]);
        }

        Assert.StartsWith(_folder, recording.Path, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => engine.StartRecording("calls/call-1.wav", caller, agent));
    }

    [Fact]
    public async Task A_conference_recording_has_every_agent_on_the_agent_channel_and_a_leaving_agent_drops_off_it()
    {
        await using var engine = MediaTestKit.SteppedEngine(MediaTestKit.Options(_folder));
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        await using var second = engine.CreateLeg("second-agent");
        using var callerPhone = new RtpPeer();
        using var agentPhone = new RtpPeer();
        using var secondPhone = new RtpPeer();
        caller.SetRemote(callerPhone.RemoteFor(AudioFormat.PcmuPayloadType));
        agent.SetRemote(agentPhone.RemoteFor(AudioFormat.PcmuPayloadType));
        second.SetRemote(secondPhone.RemoteFor(AudioFormat.PcmuPayloadType));
        for (var i = 0; i < 2; i++)
        {
            await callerPhone.SendAudioAsync(caller, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(MediaTestKit.Code(AudioFormat.PcmuPayloadType, 1_000)));
            await agentPhone.SendAudioAsync(agent, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(MediaTestKit.Code(AudioFormat.PcmuPayloadType, 2_000)));
            await secondPhone.SendAudioAsync(second, AudioFormat.PcmuPayloadType, MediaTestKit.Frame(MediaTestKit.Code(AudioFormat.PcmuPayloadType, 4_000)));
        }
        await MediaTestKit.WaitUntil(() => caller.PacketsReceived == 2 && agent.PacketsReceived == 2 && second.PacketsReceived == 2, "every party's audio");

        var recording = engine.StartRecording("calls/conference.wav", caller, agent);
        engine.RecordOtherAgents(recording, [second]);
        engine.RunTick(0);
        engine.RecordOtherAgents(recording, []);
        engine.RunTick(1);
        await recording.DisposeAsync();

        var samples = WavFile.Read(await File.ReadAllBytesAsync(recording.Path)).ToPcm16();
        var agentLevel = MediaTestKit.Level(AudioFormat.PcmuPayloadType, 2_000);
        var secondLevel = MediaTestKit.Level(AudioFormat.PcmuPayloadType, 4_000);
        // Tick 0: both agents on the right; tick 1: the second agent left the conference.
        Assert.Equal(MediaTestKit.Level(AudioFormat.PcmuPayloadType, 1_000), samples[0]);
        Assert.Equal(agentLevel + secondLevel, samples[1]);
        Assert.Equal(agentLevel, samples[(160 * 2) + 1]);
    }

    [Fact]
    public async Task A_recording_in_progress_is_a_valid_file_up_to_the_last_second_written()
    {
        await using var engine = MediaTestKit.SteppedEngine(MediaTestKit.Options(_folder));
        await using var caller = engine.CreateLeg("caller");
        await using var agent = engine.CreateLeg("agent");
        var recording = engine.StartRecording("live.wav", caller, agent);
        for (var tick = 0; tick < 60; tick++)
        {
            engine.RunTick(tick);
        }

        Assert.Equal(TimeSpan.FromSeconds(1.2), recording.Duration);

        // A crash now would leave this file: its header must already describe the first second.
        await MediaTestKit.WaitUntil(() => DataBytesInHeader(recording.Path) == 8_000 * 4, "the first second on disk");
        var snapshot = ReadShared(recording.Path);
        Assert.Equal(8_000, WavFile.Read(snapshot).SampleFrames);
        Assert.Equal(44 + (8_000 * 4), snapshot.Length);

        await recording.DisposeAsync();
        Assert.Equal(60 * 160, WavFile.Read(await File.ReadAllBytesAsync(recording.Path)).SampleFrames);
        Assert.True(recording.Completion.IsCompletedSuccessfully);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static uint DataBytesInHeader(string path)
    {
        var bytes = ReadShared(path);
        return bytes.Length >= 44 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)) : 0;
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
