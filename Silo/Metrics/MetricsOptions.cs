using System.Net;

namespace CallCenter.Silo.Metrics;

/// <summary>Where and how the silo serves Prometheus metrics (section CallCenter:Metrics).</summary>
public sealed class MetricsOptions
{
    public const string Section = "CallCenter:Metrics";

    /// <summary>Port of the /metrics endpoint (9464, the usual port of an exporter); 0 turns the endpoint off.</summary>
    public int Port { get; set; } = 9464;

    /// <summary>Address the endpoint listens on; loopback unless Prometheus scrapes from another machine.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Seconds between samples of the center's live figures (calls waiting, service level, agents by state).</summary>
    public double SampleSeconds { get; set; } = 5;

    /// <summary>Whether this silo may export the center's live figures; the elected silo of those that may does.</summary>
    public bool CenterGauges { get; set; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Port is < 0 or > 65535)
        {
            errors.Add($"{Section}:Port must be 0 (off) or a TCP port 1-65535 (--metrics-port); got {Port}.");
        }
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            errors.Add($"{Section}:ListenAddress must be an IP address such as 127.0.0.1 or 0.0.0.0; got '{ListenAddress}'.");
        }
        if (!(SampleSeconds is >= 0.1 and <= 3600))
        {
            errors.Add($"{Section}:SampleSeconds must be between 0.1 and 3600; got {SampleSeconds}.");
        }
        return errors;
    }
}
