using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Tests.Failover;

public sealed class RepositoryLayoutTests
{
    [Fact]
    public void The_silo_is_found_next_to_the_build_of_the_same_configuration()
    {
        var root = RepositoryLayout.FindRoot();
        var testOutput = Path.Combine(root, "tests", "LoadTests.Tests", "bin", "Release", "net10.0") + Path.DirectorySeparatorChar;

        Assert.True(File.Exists(Path.Combine(root, "scripts", "pg.sh")));
        Assert.Equal(Path.Combine(root, "Silo", "bin", "Release", "net10.0", "CallCenter.Silo.dll"), RepositoryLayout.SiloDll(root, testOutput));
    }

    [Fact]
    public void The_silo_of_this_build_exists()
    {
        // Building the load tests builds the silo (a project reference without its assembly).
        Assert.True(File.Exists(RepositoryLayout.SiloDll(RepositoryLayout.FindRoot())), RepositoryLayout.SiloDll(RepositoryLayout.FindRoot()));
    }

    [Fact]
    public void An_output_folder_without_bin_cannot_name_its_configuration()
    {
        Assert.Throws<FailoverSetupException>(() => RepositoryLayout.BuildOf("/opt/tools/"));
    }
}
