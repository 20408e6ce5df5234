using CallCenter.Telephony.Gateway.Ivr;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class DirectMenuTests
{
    [Fact]
    public void Service_2000_goes_straight_to_the_hotline_queue_without_a_prompt()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Ivr", "Menus", "direct-2000.json"));
        var menu = IvrMenuParser.Parse(json, "direct-2000.json");
        var session = new IvrSession(menu, new IvrCallContext("073100000001", "2000"), TimeProvider.System);

        var actions = session.Start();

        var queue = Assert.IsType<ToQueue>(Assert.Single(actions, a => a is not PlayPrompts));
        Assert.Equal("1000", queue.Service);
        Assert.DoesNotContain(actions, a => a is PlayPrompts { Prompts.Count: > 0 });
    }
}
