using Microsoft.Extensions.Options;

namespace CallCenter.Silo.Configuration;

public sealed class SiloOptions
{
    public const string Section = "CallCenter:Silo";
    public string ClusterId { get; set; } = "callcenter-dev";
    public string ServiceId { get; set; } = "callcenter";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>memory (the embedded default: one silo, nothing survives a restart) or postgres (ADO.NET clustering, grain storage, reminders and history).</summary>
    public string Storage { get; set; } = "memory";
    /// <summary>Npgsql connection string; required with storage postgres.</summary>
    public string? ConnectionString { get; set; }
    /// <summary>The IP address other silos and clients reach this silo on (postgres clustering); loopback by default.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
    /// <summary>Apply the versioned schema under deploy/sql at start-up (idempotent, advisory-locked).</summary>
    public bool MigrateOnStart { get; set; } = true;
    /// <summary>Where the history writer spills records while PostgreSQL is unreachable; a folder per silo port under the user's data folder by default.</summary>
    public string? HistorySpillFolder { get; set; }
    /// <summary>How many times faster than real time the center's clock runs (for simulations that join this silo).</summary>
    public double ClockSpeed { get; set; } = 1;
    /// <summary>
    /// The one clock option (<c>--clock-start</c>): what the center's clock reads at the wall instant
    /// <see cref="ClockStartedAt"/>, or, without it, at the wall instant it names (the clock read the
    /// real time then: an epoch). Silos given the same values share one scaled clock, whenever they
    /// started or restarted. <c>--clock-epoch</c> is an accepted alias.
    /// </summary>
    public DateTimeOffset? ClockStart { get; set; }
    /// <summary>The wall instant at which the clock read <see cref="ClockStart"/> (optional; only with it).</summary>
    public DateTimeOffset? ClockStartedAt { get; set; }
    /// <summary>How long a silo waits for a probe's answer before counting it missed (cluster failure detection).</summary>
    public double ProbeTimeoutSeconds { get; set; } = 2;
    /// <summary>Missed probes before a silo suspects another; two suspicions declare it dead. 2 s x 3 finds a killed silo in about 6-8 s.</summary>
    public int MissedProbesLimit { get; set; } = 3;
    /// <summary>How long a grain call waits for its answer. Calls to a silo that has just died fail after this, so it bounds how long an agent or a call stays stuck.</summary>
    public double ResponseTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// A process this silo lives for (a load-test harness): when it is gone, the silo stops itself,
    /// so that a harness killed without its finally blocks leaves no silo running.
    /// </summary>
    public int? ParentProcessId { get; set; }

    /// <summary>Grain storage operations this silo runs at once on PostgreSQL; 0 sizes it from the connection pool (see PostgresStorageExtensions.DefaultStorageConcurrency).</summary>
    public int StorageConcurrency { get; set; }

    public bool UsesPostgres => string.Equals(Storage, "postgres", StringComparison.OrdinalIgnoreCase);
}

public sealed class DemoOptions
{
    public const string Section = "CallCenter:Demo";
    public bool Seed { get; set; } = true;
    public bool Traffic { get; set; } = true;
    public double CallsPerMinute { get; set; } = 20;
    /// <summary>Simulated desk agents per staffed province (0: none, so only SIP agent phones answer).</summary>
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
    public static readonly string[] StorageKinds = ["memory", "postgres"];

    public ValidateOptionsResult Validate(string? name, SiloOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ClusterId)) errors.Add($"{SiloOptions.Section}:ClusterId must not be empty");
        if (string.IsNullOrWhiteSpace(o.ServiceId)) errors.Add($"{SiloOptions.Section}:ServiceId must not be empty");
        if (o.SiloPort is < 1 or > 65535) errors.Add($"{SiloOptions.Section}:SiloPort {o.SiloPort} is not a TCP port (1-65535)");
        if (o.GatewayPort is < 1 or > 65535) errors.Add($"{SiloOptions.Section}:GatewayPort {o.GatewayPort} is not a TCP port (1-65535)");
        if (o.SiloPort == o.GatewayPort) errors.Add($"{SiloOptions.Section}:SiloPort and GatewayPort must differ (both {o.SiloPort})");
        if (!(o.ClockSpeed > 0) || double.IsInfinity(o.ClockSpeed)) errors.Add($"{SiloOptions.Section}:ClockSpeed must be a positive number");
        if (o.ClockStart is null && o.ClockStartedAt is not null) errors.Add($"{SiloOptions.Section}:ClockStartedAt needs ClockStart (--clock-start): the reading at that instant");
        if (!(o.ProbeTimeoutSeconds is >= 0.5 and <= 60)) errors.Add($"{SiloOptions.Section}:ProbeTimeoutSeconds must be between 0.5 and 60");
        if (o.MissedProbesLimit is < 1 or > 10) errors.Add($"{SiloOptions.Section}:MissedProbesLimit must be between 1 and 10");
        if (o.StorageConcurrency < 0) errors.Add($"{SiloOptions.Section}:StorageConcurrency must be 0 (from the pool size) or positive, not {o.StorageConcurrency}");
        if (o.ParentProcessId is < 1) errors.Add($"{SiloOptions.Section}:ParentProcessId must be a process id (a positive number), not {o.ParentProcessId}");
        if (!(o.ResponseTimeoutSeconds is >= 1 and <= 300)) errors.Add($"{SiloOptions.Section}:ResponseTimeoutSeconds must be between 1 and 300");
        if (!StorageKinds.Contains(o.Storage, StringComparer.OrdinalIgnoreCase))
            errors.Add($"{SiloOptions.Section}:Storage '{o.Storage}' is not supported; expected one of: {string.Join(", ", StorageKinds)}");
        if (o.UsesPostgres)
        {
            if (string.IsNullOrWhiteSpace(o.ConnectionString))
                errors.Add($"{SiloOptions.Section}:ConnectionString is required with storage postgres (--connection-string \"Host=...;Port=...;Username=...;Database=...\")");
            else if (ConnectionStringError(o.ConnectionString) is { } problem)
                errors.Add($"{SiloOptions.Section}:ConnectionString is not a valid Npgsql connection string: {problem}");
        }
        if (!System.Net.IPAddress.TryParse(o.AdvertisedAddress, out _))
            errors.Add($"{SiloOptions.Section}:AdvertisedAddress '{o.AdvertisedAddress}' is not an IP address");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static string? ConnectionStringError(string connectionString)
    {
        try
        {
            var parsed = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return string.IsNullOrWhiteSpace(parsed.Host) ? "Host is missing" : null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    public ValidateOptionsResult Validate(string? name, DemoOptions o)
    {
        var errors = new List<string>();
        if (!(o.CallsPerMinute >= 0) || double.IsInfinity(o.CallsPerMinute)) errors.Add($"{DemoOptions.Section}:CallsPerMinute must be a number >= 0");
        if (o.AgentsPerRegion is < 0 or > 10_000) errors.Add($"{DemoOptions.Section}:AgentsPerRegion must be between 0 (no simulated desk agents: only SIP phones answer) and 10000");
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
