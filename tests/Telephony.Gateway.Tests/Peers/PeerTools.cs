namespace CallCenter.Telephony.Gateway.Tests.Peers;

/// <summary>
/// Where the real SIP peers live and whether a test may run against them. Missing tools skip the
/// peer tests on a developer's machine, but fail them where CALLCENTER_REQUIRE_SIP_PEERS=1 (CI), so
/// a broken install can never turn the peer suite silently green. scripts/sip-tools.sh installs them.
/// </summary>
public static class PeerTools
{
    public const string RequireVariable = "CALLCENTER_REQUIRE_SIP_PEERS";

    /// <summary>SIPp's RTP pcaps (RFC 4733 digits 0-9, *, #, and 8 s of PCMA), from Debian's sip-tester.</summary>
    public const string SippPcapFolder = "/usr/share/sip-tester";

    public static string? Sipp => FindOnPath("sipp");

    public static string? Baresip => FindOnPath("baresip");

    public static bool PeersRequired => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>
    /// SIPp plays pcaps by writing raw packets: it needs root or CAP_NET_RAW, which a child inherits
    /// from us (or gets from a file capability on the sipp binary, which we cannot see cheaply).
    /// </summary>
    public static bool CanPlayRtp => Environment.UserName == "root" || HasEffectiveCapability(13);

    /// <summary>Why the given tools cannot be used, or null when they all can.</summary>
    public static string? MissingReason(params string[] tools)
    {
        var missing = tools.Where(tool => FindOnPath(tool) is null).ToList();
        if (tools.Contains("sipp") && !Directory.Exists(SippPcapFolder)) missing.Add(SippPcapFolder);
        return missing.Count == 0
            ? null
            : $"SIP peer tools missing: {string.Join(", ", missing)} (run scripts/sip-tools.sh install)";
    }

    /// <summary>
    /// The skip reason for a peer test: null when the tools are there; the reason when they are not
    /// and peers are optional; when they are required the test runs and fails with that reason.
    /// </summary>
    public static string? SkipReason(params string[] tools)
    {
        var reason = MissingReason(tools);
        return reason is not null && !PeersRequired ? reason : null;
    }

    /// <summary>Fails the running test with a clear message when a required tool is missing.</summary>
    public static string Require(string tool) =>
        FindOnPath(tool) ?? throw new InvalidOperationException(
            $"{tool} is not installed and {RequireVariable}=1 requires it (run scripts/sip-tools.sh install)");

    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        // kamailio lives in /usr/sbin, which a non-root PATH may lack.
        var folders = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"]);
        foreach (var folder in folders)
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The folder holding loadtests/sip, found by walking up from the test assembly.</summary>
    public static string ScenarioFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "loadtests", "sip");
                if (File.Exists(Path.Combine(candidate, "uac-basic.xml"))) return candidate;
            }
            throw new DirectoryNotFoundException("loadtests/sip not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Scenario(string fileName)
    {
        var path = Path.Combine(ScenarioFolder, fileName);
        return File.Exists(path) ? path : throw new FileNotFoundException("SIPp scenario not found", path);
    }

    private static bool HasEffectiveCapability(int capability)
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return line is not null
                && ulong.TryParse(line["CapEff:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, null, out var mask)
                && (mask & (1UL << capability)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>
/// A fact that needs real SIP peers: skipped with the reason when they are missing, unless
/// CALLCENTER_REQUIRE_SIP_PEERS=1, where it runs and fails on the missing tool.
/// </summary>
public sealed class PeerFactAttribute : FactAttribute
{
    public PeerFactAttribute(params string[] tools)
    {
        Skip = PeerTools.SkipReason(tools.Length == 0 ? ["sipp"] : tools);
    }
}
