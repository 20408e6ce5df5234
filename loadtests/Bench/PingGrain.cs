namespace CallCenter.LoadTests.Bench;

/// <summary>The raw-messaging reference: a grain that does nothing but answer.</summary>
[Alias("bench.ping")]
public interface IPingGrain : IGrainWithStringKey
{
    [Alias("ping")] Task<int> Ping(int value);
}

/// <summary>Returns its argument plus one: one request and one response, no state, no I/O.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value + 1);
}
