namespace CallCenter.LoadTests.Failover;

/// <summary>Where the repository's scripts and the silo build are, found from this tool's own folder.</summary>
public static class RepositoryLayout
{
    public const string SiloAssembly = "CallCenter.Silo.dll";

    /// <summary>The folder holding scripts/pg.sh, walking up from <paramref name="start"/> (default: this tool's folder).</summary>
    public static string FindRoot(string? start = null)
    {
        start ??= AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "pg.sh")))
            {
                return dir.FullName;
            }
        }
        throw new FailoverSetupException($"scripts/pg.sh not found in any folder above {start}: run the failover command from the repository's build");
    }

    public static string PgScript(string root) => Path.Combine(root, "scripts", "pg.sh");

    /// <summary>
    /// The silo built with the same configuration and target as this tool: this tool runs from
    /// .../bin/&lt;configuration&gt;/&lt;tfm&gt;/, the silo from Silo/bin/&lt;configuration&gt;/&lt;tfm&gt;/.
    /// </summary>
    public static string SiloDll(string root, string? baseDirectory = null)
    {
        var (configuration, framework) = BuildOf(baseDirectory ?? AppContext.BaseDirectory);
        return Path.Combine(root, "Silo", "bin", configuration, framework, SiloAssembly);
    }

    /// <summary>(configuration, target framework) from an output folder such as loadtests/bin/Release/net10.0/.</summary>
    public static (string Configuration, string Framework) BuildOf(string baseDirectory)
    {
        var tfm = new DirectoryInfo(Path.TrimEndingDirectorySeparator(baseDirectory));
        var configuration = tfm.Parent;
        if (configuration?.Parent?.Name != "bin")
        {
            throw new FailoverSetupException($"cannot tell the build configuration from {baseDirectory} (expected .../bin/<configuration>/<framework>/); give --silo-dll");
        }
        return (configuration.Name, tfm.Name);
    }
}

/// <summary>The run could not be set up (no silo build, PostgreSQL or a silo would not start): exit 1 with this message.</summary>
public sealed class FailoverSetupException(string message, Exception? inner = null) : Exception(message, inner);
