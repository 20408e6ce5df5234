using System.Net;

namespace CallCenter.Web;

/// <summary>The web site's settings (section <c>CallCenter:Web</c>).</summary>
public sealed class WebOptions
{
    public const string Section = "CallCenter:Web";

    /// <summary>Serve the site from this process; when unset, the host decides (on for the embedded default, off for cluster silos).</summary>
    public bool? Enabled { get; set; }
    /// <summary>The address to listen on; loopback by default (put a reverse proxy in front to publish it).</summary>
    public string Address { get; set; } = "127.0.0.1";
    /// <summary>The HTTP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = 5000;
    /// <summary>Optional IP allow-list: CIDRs ("10.0.0.0/8", "::1/128"); empty lets every address through.</summary>
    public List<string> AllowedNetworks { get; set; } = [];
    /// <summary>Seed the demo users (documented in the README) when the directory has none.</summary>
    public bool SeedDemoUsers { get; set; }
    /// <summary>Queues (id -> membership level) of the demo desk agents that people log in as on the agent desktop.</summary>
    public Dictionary<string, int> DemoDeskQueues { get; set; } = [];
    /// <summary>The smallest gap between two renders of one live screen, in milliseconds (batches bursts of updates).</summary>
    public int MinRenderGapMilliseconds { get; set; } = 250;
    /// <summary>The share of calls to answer within the queue's service-level threshold (the "80" of 80/20); below it the wallboard turns red.</summary>
    public double ServiceLevelTarget { get; set; } = 0.8;
    /// <summary>The abandonment rate above which the wallboard turns red.</summary>
    public double AbandonmentLimit { get; set; } = 0.05;
    /// <summary>
    /// Serve the official Orleans dashboard under /orleans/ for the admin role (permission OperateCluster).
    /// Off by default: it adds its own collectors to the silo, and with it on the demo's busy agents
    /// were measurably slower to come free in the browser test; operators turn it on with
    /// <c>--CallCenter:Web:OrleansDashboard true</c>.
    /// </summary>
    public bool OrleansDashboard { get; set; }
    /// <summary>Keys for integrations calling the API without a cookie (header X-Api-Key), by name; none by default.</summary>
    public Dictionary<string, Security.ApiKeyOptions> ApiKeys { get; set; } = [];

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(Address, out _))
            errors.Add($"{Section}:Address '{Address}' is not an IP address");
        if (Port is < 0 or > 65535)
            errors.Add($"{Section}:Port {Port} is not a TCP port (0-65535)");
        foreach (var network in AllowedNetworks)
        {
            if (!IPNetwork.TryParse(network, out _))
                errors.Add($"{Section}:AllowedNetworks '{network}' is not a CIDR network (like 10.0.0.0/8)");
        }
        foreach (var (queue, level) in DemoDeskQueues)
        {
            if (level < 1)
                errors.Add($"{Section}:DemoDeskQueues:{queue} level {level} must be 1 or more");
        }
        if (MinRenderGapMilliseconds is < 0 or > 5000)
            errors.Add($"{Section}:MinRenderGapMilliseconds must be between 0 and 5000");
        if (!(ServiceLevelTarget is > 0 and <= 1))
            errors.Add($"{Section}:ServiceLevelTarget must be a share between 0 (exclusive) and 1, like 0.8");
        if (!(AbandonmentLimit is > 0 and <= 1))
            errors.Add($"{Section}:AbandonmentLimit must be a share between 0 (exclusive) and 1, like 0.05");
        errors.AddRange(Security.ApiKeyAuthenticationHandler.Validate(ApiKeys));
        return errors;
    }
}
