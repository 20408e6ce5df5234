namespace CallCenter.LoadTests.Tests.Scenarios;

/// <summary>Finds loadtests/scenarios: copied beside the test assembly by the loadtests project.</summary>
public static class ExampleScenarios
{
    public static string PathOf(string file)
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "scenarios", file);
        if (File.Exists(copied))
        {
            return copied;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "loadtests", "scenarios", file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"example scenario {file} not found from {AppContext.BaseDirectory}");
    }
}
