namespace CallCenter.LoadTests.Simulation;

/// <summary>How to run a scenario: overrides from the command line and test knobs.</summary>
public sealed record RunOptions
{
    /// <summary>Join an existing cluster through this gateway instead of starting an in-process silo.</summary>
    public GatewayEndpoint? Join { get; init; }
    public double? Speed { get; init; }
    public double? DurationSeconds { get; init; }
    public double? DrainSeconds { get; init; }
    /// <summary>Multiplies every arrival rate (bench: "at half the max load").</summary>
    public double RateMultiplier { get; init; } = 1;
    /// <summary>The drain never lasts longer than this in wall time, whatever the scenario allows.</summary>
    public double DrainWallCapSeconds { get; init; } = 120;
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Keep one sample per call in the report (tests compute batch means from them).</summary>
    public bool KeepCallSamples { get; init; }
    /// <summary>The scenario file, for the result.</summary>
    public string? ScenarioPath { get; init; }
}

public sealed record GatewayEndpoint(string Host, int Port)
{
    public static bool TryParse(string text, out GatewayEndpoint? endpoint)
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
