using Microsoft.Extensions.Options;

namespace CallCenter.Silo.Configuration;

public sealed class SiloOptions
{
    public const string Section = "CallCenter:Silo";
    public string ClusterId { get; set; } = "callcenter-dev";
    public string ServiceId { get; set; } = "callcenter";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>memory (embedded default); postgres arrives with the PostgreSQL issue.</summary>
    public string Storage { get; set; } = "memory";
    /// <summary>How many times faster than real time the center's clock runs (for simulations that join this silo).</summary>
    public double ClockSpeed { get; set; } = 1;
}

public sealed class DemoOptions
{
    public const string Section = "CallCenter:Demo";
    public bool Seed { get; set; } = true;
    public bool Traffic { get; set; } = true;
    public double CallsPerMinute { get; set; } = 20;
    public int AgentsPerRegion { get; set; } = 6;
    public double AnswerDelaySeconds { get; set; } = 3;
    public double MeanTalkSeconds { get; set; } = 45;
    public double MeanPatienceSeconds { get; set; } = 90;
}

public sealed class SummaryOptions
{
    public const string Section = "CallCenter:Summary";
    /// <summary>Seconds between live summary lines; 0 turns them off.</summary>
    public double IntervalSeconds { get; set; } = 5;
}

/// <summary>Checks configuration at start-up and names the offending key in every message.</summary>
public sealed class CallCenterOptionsValidator : IValidateOptions<SiloOptions>, IValidateOptions<DemoOptions>, IValidateOptions<SummaryOptions>
{
    public static readonly string[] StorageKinds = ["memory"];

    public ValidateOptionsResult Validate(string? name, SiloOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ClusterId)) errors.Add($"{SiloOptions.Section}:ClusterId must not be empty");
        if (string.IsNullOrWhiteSpace(o.ServiceId)) errors.Add($"{SiloOptions.Section}:ServiceId must not be empty");
        if (o.SiloPort is < 1 or > 65535) errors.Add($"{SiloOptions.Section}:SiloPort {o.SiloPort} is not a TCP port (1-65535)");
        if (o.GatewayPort is < 1 or > 65535) errors.Add($"{SiloOptions.Section}:GatewayPort {o.GatewayPort} is not a TCP port (1-65535)");
        if (o.SiloPort == o.GatewayPort) errors.Add($"{SiloOptions.Section}:SiloPort and GatewayPort must differ (both {o.SiloPort})");
        if (!(o.ClockSpeed > 0) || double.IsInfinity(o.ClockSpeed)) errors.Add($"{SiloOptions.Section}:ClockSpeed must be a positive number");
        if (!StorageKinds.Contains(o.Storage, StringComparer.OrdinalIgnoreCase))
            errors.Add($"{SiloOptions.Section}:Storage '{o.Storage}' is not supported; expected one of: {string.Join(", ", StorageKinds)}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, DemoOptions o)
    {
        var errors = new List<string>();
        if (!(o.CallsPerMinute >= 0) || double.IsInfinity(o.CallsPerMinute)) errors.Add($"{DemoOptions.Section}:CallsPerMinute must be a number >= 0");
        if (o.AgentsPerRegion is < 1 or > 10_000) errors.Add($"{DemoOptions.Section}:AgentsPerRegion must be between 1 and 10000");
        if (!(o.AnswerDelaySeconds >= 0)) errors.Add($"{DemoOptions.Section}:AnswerDelaySeconds must be >= 0");
        if (!(o.MeanTalkSeconds > 0)) errors.Add($"{DemoOptions.Section}:MeanTalkSeconds must be > 0");
        if (!(o.MeanPatienceSeconds > 0)) errors.Add($"{DemoOptions.Section}:MeanPatienceSeconds must be > 0");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, SummaryOptions o) =>
        o.IntervalSeconds >= 0 && !double.IsInfinity(o.IntervalSeconds)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{SummaryOptions.Section}:IntervalSeconds must be a number >= 0");
}
