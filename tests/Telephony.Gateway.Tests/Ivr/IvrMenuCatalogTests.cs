using System.Text.Json.Nodes;
using CallCenter.Telephony.Gateway.Ivr;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class IvrMenuCatalogTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ivr-menus-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string file, string json) => File.WriteAllText(Path.Combine(_folder, file), json);

    private static string HotlineWithWelcome(string english)
    {
        var tree = Demo.HotlineTree();
        tree["prompts"]!["welcome"]!["en"] = english;
        return tree.ToJsonString();
    }

    [Fact]
    public void The_demo_folder_loads_the_hotline_the_direct_line_and_the_survey()
    {
        using var catalog = IvrMenuCatalog.Load(Demo.MenuFolder, NullLogger.Instance, TimeProvider.System, watch: false);
        Assert.Empty(catalog.Errors);
        Assert.Equal("hotline-1000", catalog.ForService("1000")?.Id);
        Assert.Null(catalog.ForService("1001"));
        Assert.Null(catalog.ForService("survey")); // a survey answers no dialled number
        Assert.Equal("survey", catalog.Survey?.Id);
        Assert.Equal("direct-2000", catalog.ForService("2000")?.Id);
        Assert.Equal(3, catalog.Menus.Count);
    }

    [Fact]
    public void A_bad_edit_is_reported_with_its_path_and_the_last_good_version_stays()
    {
        Write("hotline.json", HotlineWithWelcome("Hello, version one."));
        using var catalog = IvrMenuCatalog.Load(_folder, NullLogger.Instance, TimeProvider.System, watch: false);
        Assert.Empty(catalog.Errors);

        var broken = Demo.HotlineTree();
        broken["nodes"]!["main"]!["options"]![2]!["goto"] = "x";
        broken["prompts"]!["welcome"]!["en"] = "Hello, broken version.";
        Write("hotline.json", broken.ToJsonString());
        var reloads = 0;
        catalog.Reloaded += () => reloads++;
        catalog.Reload();

        Assert.Equal(1, reloads);
        Assert.Equal("hotline.json: $.nodes.main.options[2].goto: unknown node 'x'", Assert.Single(catalog.Errors));
        Assert.Equal("Hello, version one.", catalog.ForService("1000")!.PromptText("welcome", "en"));

        Write("hotline.json", HotlineWithWelcome("Hello, version two."));
        catalog.Reload();
        Assert.Empty(catalog.Errors);
        Assert.Equal("Hello, version two.", catalog.ForService("1000")!.PromptText("welcome", "en"));
    }

    [Fact]
    public void A_file_that_was_never_good_serves_nothing()
    {
        Write("broken.json", "{ not json");
        using var catalog = IvrMenuCatalog.Load(_folder, NullLogger.Instance, TimeProvider.System, watch: false);
        Assert.StartsWith("broken.json: ", Assert.Single(catalog.Errors));
        Assert.Empty(catalog.Menus);
    }

    [Fact]
    public void Two_files_for_one_service_keep_the_first_and_report_the_second()
    {
        Write("a.json", HotlineWithWelcome("A"));
        var second = Demo.HotlineTree();
        second["id"] = "copy";
        Write("b.json", second.ToJsonString());
        using var catalog = IvrMenuCatalog.Load(_folder, NullLogger.Instance, TimeProvider.System, watch: false);
        Assert.Equal("hotline-1000", catalog.ForService("1000")!.Id);
        Assert.Contains("b.json: $.service: service '1000' is already answered by a.json", catalog.Errors);
    }

    [Fact]
    public void A_deleted_file_takes_its_menu_away()
    {
        Write("hotline.json", HotlineWithWelcome("Hi"));
        using var catalog = IvrMenuCatalog.Load(_folder, NullLogger.Instance, TimeProvider.System, watch: false);
        File.Delete(Path.Combine(_folder, "hotline.json"));
        catalog.Reload();
        Assert.Null(catalog.ForService("1000"));
    }

    [Fact]
    public void A_missing_folder_is_a_clear_error()
    {
        Assert.Throws<DirectoryNotFoundException>(() => IvrMenuCatalog.Load(Path.Combine(_folder, "nope"), NullLogger.Instance));
    }

    [Fact]
    public async Task Saving_a_file_in_the_watched_folder_reloads_it()
    {
        Write("hotline.json", HotlineWithWelcome("Before"));
        using var catalog = IvrMenuCatalog.Load(_folder, NullLogger.Instance);
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        catalog.Reloaded += () =>
        {
            if (catalog.ForService("1000")?.PromptText("welcome", "en") == "After")
                reloaded.TrySetResult();
        };
        Write("hotline.json", HotlineWithWelcome("After"));
        // Generous wait for the file watcher on a busy machine; the assertion is about the outcome, not the delay.
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(catalog.Errors);
    }
}
