using System.Diagnostics.CodeAnalysis;

namespace CallCenter.LoadTests.Simulation;

/// <summary>How to run a scenario: overrides from the command line and test knobs.</summary>
public sealed record RunOptions
{
    /// <summary>Join an existing cluster through this gateway instead of starting an in-process silo.</summary>
    public GatewayEndpoint? Join { get; init; }
    /// <summary>Drive a cluster through this connected client (its owner stops it); the cluster's clock must run at the scenario's speed.</summary>
    public IGrainFactory? Client { get; init; }
    public double? Speed { get; init; }
    public double? DurationSeconds { get; init; }
    /// <summary>Arrivals start at this second of the scenario's day (a window of it; <see cref="Scenarios.ScenarioWindow"/>).</summary>
    public double FromSeconds { get; init; }
    /// <summary>Every agent group keeps this fraction of its agents, at least one (pair it with <see cref="RateMultiplier"/>).</summary>
    public double StaffFraction { get; init; } = 1;
    /// <summary>Stop arrivals once about this many calls were expected (rates times their profile), instead of a duration.</summary>
    public long? Calls { get; init; }
    public double? DrainSeconds { get; init; }
    /// <summary>Multiplies every arrival rate (bench: "at half the max load").</summary>
    public double RateMultiplier { get; init; } = 1;
    /// <summary>
    /// While records keep arriving, an estimated drain goes on past its scenario-time limit (the
    /// grains fell behind the clock) for up to this long in wall time, or twice the drain's own
    /// wall time if that is longer.
    /// </summary>
    public double DrainWallCapSeconds { get; init; } = 120;
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Redraw one progress bar line in place (a terminal) instead of printing progress lines.</summary>
    public bool ProgressBar { get; init; }
    /// <summary>Keep one sample per call in the report (tests compute batch means from them; --calls-csv writes them).</summary>
    public bool KeepCallSamples { get; init; }
    /// <summary>In-process silo on PostgreSQL (grain storage, clustering, history) instead of memory storage.</summary>
    public string? PostgresConnectionString { get; init; }
    /// <summary>Admission control of the in-process silo (call gapping); null keeps its configuration ("CallCenter:Acd:Admission", environment included).</summary>
    public Calls.CallAdmissionOptions? Admission { get; init; }
    /// <summary>The scenario file, for the result.</summary>
    public string? ScenarioPath { get; init; }
}

/// <summary>A cluster's gateway, and the ids the cluster runs under (by default those of the embedded silo).</summary>
public sealed record GatewayEndpoint(string Host, int Port, string ClusterId = "callcenter-dev", string ServiceId = "callcenter")
{
    public static bool TryParse(string text, [NotNullWhen(true)] out GatewayEndpoint? endpoint)
    {
        endpoint = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is <= 0 or > 65535)
        {
            return false;
        }
        endpoint = new GatewayEndpoint(text[..colon].Trim('[', ']'), port);
        return true;
    }

    public override string ToString() => $"{Host}:{Port}";
}
