using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>The harness's pure parts: netstring framing, SIPp statistics, percentiles, command lines.</summary>
public sealed class HarnessProperties
{
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Netstring_frames_split_anywhere_decode_to_the_same_messages() =>
        Prop.ForAll(
            ArbMap.Default.GeneratorFor<string[]>().Select(a => a.Where(s => s is not null).ToArray()).ToArbitrary(),
            ArbMap.Default.GeneratorFor<int[]>().ToArbitrary(),
            (messages, cuts) =>
            {
                var stream = messages.SelectMany(Netstring.Encode).ToArray();
                var reader = new NetstringReader();
                var decoded = new List<string>();
                var position = 0;
                foreach (var cut in cuts)
                {
                    var length = Math.Min(Math.Abs(cut % 17), stream.Length - position);
                    decoded.AddRange(reader.Feed(stream.AsSpan(position, length)));
                    position += length;
                }
                decoded.AddRange(reader.Feed(stream.AsSpan(position)));
                Assert.Equal(messages.Select(Roundtrip), decoded);
            });

    [Theory]
    [InlineData("x:abc,")]
    [InlineData(":abc,")]
    [InlineData("3:abcd")]
    public void A_malformed_netstring_is_rejected_and_the_reader_keeps_its_state(string garbage)
    {
        var reader = new NetstringReader();
        Assert.Empty(reader.Feed(Encoding.ASCII.GetBytes("5:he")));
        Assert.Throws<FormatException>(() => reader.Feed(Encoding.ASCII.GetBytes("llo," + garbage)));
        Assert.Equal(["hello"], reader.Feed(Encoding.ASCII.GetBytes("llo,")));
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Percentiles_are_samples_ordered_and_cover_their_share() =>
        Prop.ForAll(
            Gen.Choose(0, 10_000).Select(i => (double)i).NonEmptyListOf().ToArbitrary(),
            samples =>
            {
                var times = ResponseTimes.From([.. samples])!;
                Assert.Equal(samples.Count, times.Count);
                Assert.True(times.P50 <= times.P90 && times.P90 <= times.P95 && times.P95 <= times.P99 && times.P99 <= times.Max);
                Assert.Equal(samples.Max(), times.Max);
                foreach (var (percent, value) in new[] { (50.0, times.P50), (95.0, times.P95) })
                {
                    Assert.Contains(value, samples);
                    Assert.True(samples.Count(s => s <= value) >= percent / 100 * samples.Count);
                    Assert.True(samples.Count(s => s < value) < percent / 100 * samples.Count);
                }
            });

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Statistics_totals_come_from_the_last_line() =>
        Prop.ForAll(
            Gen.Choose(0, 1_000_000).ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(), Gen.Choose(0, 5000).ToArbitrary(),
            (successful, failed, current) =>
            {
                var header = "StartTime;TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);"
                    + "Retransmissions(C);FailedUnexpectedMessage(C);FailedTimeoutOnRecv(C);FailedMaxUDPRetrans(C);OutOfCallMsgs(C);CallRate(C);ElapsedTime(C);";
                var first = "2026-11-23\t11:17:11;0;0;0;0;0;0;0;0;0;0;0;0;00:00:00;";
                var last = $"2026-11-23\t11:17:12;{successful + failed + current};{current};1;{successful};1;{failed};2;3;4;5;6;17.5;00:01:02;";
                var stats = SippStats.ParseFile(header + "\n" + first + "\n" + last + "\n");
                Assert.Equal(new SippStats(successful + failed + current, successful, failed, current, 2, 3, 4, 5, 6, 17.5, TimeSpan.FromSeconds(62)), stats);
            });

    [Fact]
    public void Statistics_without_a_data_line_or_a_counter_are_a_clear_error()
    {
        Assert.Throws<FormatException>(() => SippStats.ParseFile("TotalCallCreated;SuccessfulCall(C)\n"));
        Assert.Throws<FormatException>(() => SippStats.ParseFile("TotalCallCreated;Other\n1;2\n"));
    }

    [Fact]
    public void The_sipp_command_line_binds_to_loopback_and_traces_statistics_errors_and_response_times()
    {
        var arguments = SippRun.Arguments(
            new SippOptions
            {
                Scenario = "/s/uac-basic.xml", Remote = "127.0.0.1:5070", Service = "1000", MaxCalls = 100,
                CallsPerSecond = 2.5, ConcurrentCalls = 50, PauseLength = TimeSpan.FromSeconds(2),
                ReceiveTimeout = TimeSpan.FromMilliseconds(1500), Transport = SippTransport.Tcp,
                Keys = new Dictionary<string, string> { ["consult"] = "2000" },
            },
            localPort: 40000, mediaPort: 41000, statFile: "/w/stat.csv", errorFile: "/w/err.log");
        var line = string.Join(' ', arguments);

        Assert.StartsWith("127.0.0.1:5070 -sf /s/uac-basic.xml -s 1000 -i 127.0.0.1 -p 40000 -mp 41000 -t t1 -m 100", line);
        Assert.Contains("-r 25 -rp 10000", line);
        Assert.Contains("-l 50 -d 2000 -recv_timeout 1500", line);
        Assert.Contains("-key consult 2000", line);
        Assert.Contains("-nostdin -timeout 30s -trace_stat -stf /w/stat.csv", line);
        Assert.Contains("-trace_err -error_file /w/err.log -trace_rtt", line);
    }

    [Fact]
    public void Invalid_sipp_options_are_refused_before_anything_starts()
    {
        var options = new SippOptions { Scenario = "uac", BuiltIn = true };
        Assert.Throws<ArgumentOutOfRangeException>(() => SippRun.Arguments(options, 0, 41000, "s", "e"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SippRun.Arguments(options with { CallsPerSecond = 0 }, 1, 2, "s", "e"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SippRun.Arguments(options with { MaxCalls = -1 }, 1, 2, "s", "e"));
    }

    [Theory]
    [InlineData(0, SippExit.AllCallsSucceeded)]
    [InlineData(1, SippExit.SomeCallsFailed)]
    [InlineData(97, SippExit.StoppedByCommand)]
    [InlineData(99, SippExit.NoCallProcessed)]
    [InlineData(255, SippExit.FatalError)]
    [InlineData(254, SippExit.BindError)]
    [InlineData(3, SippExit.Other)]
    public void Sipp_exit_codes_are_named(int code, SippExit meaning) => Assert.Equal(meaning, SippRun.Meaning(code));

    [Fact]
    public void The_baresip_account_line_carries_the_digest_password_and_answer_mode()
    {
        var line = new BaresipAccount("agent7", "127.0.0.1:5070", "pw", Register: true, AutoAnswer: false).ToAccountsLine();
        Assert.Equal("<sip:agent7@127.0.0.1:5070;transport=udp>;regint=600;answermode=manual;audio_codecs=pcmu,pcma;auth_pass=pw", line);
    }

    private static string Roundtrip(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}
