using System.Net;
using CallCenter.Web.Security;
using CallCenter.Web.Tests.Hosting;

namespace CallCenter.Web.Tests.Supervisor;

/// <summary>The console's team filter is there for everyone who opens it; moving agents only for those who may configure queues.</summary>
[Collection(SiloCollection.Name)]
public sealed class ConsolePageTests(SiloProcess silo)
{
    [Theory]
    [InlineData("supervisor", true)]
    [InlineData("admin", true)]
    [InlineData("leader", false)]
    public async Task The_console_shows_the_team_filter_and_the_move_form_by_permission(string user, bool canMove)
    {
        using var session = await WebSession.LogInAsync(silo.BaseAddress, user, DemoUsers.PasswordOf(user));
        var response = await session.GetAsync("/console");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-test=\"team-filter\"", page, StringComparison.Ordinal);
        Assert.Equal(canMove, page.Contains("data-test=\"move-agent\"", StringComparison.Ordinal));
    }
}
