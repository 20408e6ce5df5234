using System.Collections.Immutable;
using System.Diagnostics;
using CallCenter.Acd;
using CallCenter.Agents;

namespace CallCenter.LoadTests.Wallboard;

/// <summary>
/// The agent whose state changes are measured: alone in its own region and queue (no traffic
/// reaches that queue), so every change of its region's Ready / Not ready tiles is the probe's.
/// </summary>
public sealed class WallboardProbe(IGrainFactory grains)
{
    public const string Region = "wbprobe";
    public const string QueueId = "wb-probe";
    public const string AgentId = "wb-probe-agent";
    private const string Reason = "wallboard-probe";

    public static string Scope => $"region:{Region}";

    public bool Ready { get; private set; }

    public async Task SetUpAsync()
    {
        await grains.GetQueue(QueueId).Configure(new QueueSettings { Id = QueueId, Name = "Wallboard probe", Region = Region });
        var agent = grains.GetAgent(AgentId);
        await agent.Configure(new AgentProfile
        {
            Id = AgentId,
            Name = "Wallboard probe",
            Region = Region,
            Queues = ImmutableDictionary<string, int>.Empty.Add(QueueId, 1),
        });
        await agent.Login(null, ready: true);
        Ready = true;
    }

    /// <summary>
    /// Flips the probe to the other state; the flip's stamp is the wall time just before the grain
    /// call. Waits for the call at most <paramref name="patience"/>: an overloaded silo may answer
    /// late or time out, yet its messages to one grain keep their order, so the flip still happens
    /// and still counts (its render comes late or is missed). CallTime is null when no answer came in time.
    /// </summary>
    public async Task<(ProbeFlip Flip, TimeSpan? CallTime)> FlipAsync(TimeSpan patience)
    {
        var ready = !Ready;
        var at = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        var clock = Stopwatch.StartNew();
        var call = ready ? grains.GetAgent(AgentId).SetReady() : grains.GetAgent(AgentId).SetNotReady(Reason);
        Ready = ready;
        // Observed either way, so that a late failure is not an unobserved task exception.
        _ = call.ContinueWith(t => t.Exception, TaskScheduler.Default);
        var answered = await Task.WhenAny(call, Task.Delay(patience)) == call && call.IsCompletedSuccessfully;
        return (new ProbeFlip(at, ready), answered ? clock.Elapsed : null);
    }
}
