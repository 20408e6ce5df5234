using CallCenter.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Tests.Hosting;

public sealed class DurableStateReadTests
{
    private static readonly TimeSpan[] NoWait = [TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero];

    private static (DurableState Durable, LazyState<int> State) Create(FakeGrainStorage storage, TimeProvider? time = null, IReadOnlyList<TimeSpan>? delays = null) =>
        (new DurableState(true, time ?? TimeProvider.System, NullLogger<DurableState>.Instance, delays ?? NoWait),
         new LazyState<int>(storage, "test", GrainId.Create("test", "g1")));

    [Fact]
    public async Task A_read_that_fails_a_few_times_is_tried_again_and_finds_the_stored_state()
    {
        var storage = new FakeGrainStorage { FailuresLeft = 3, RecordExists = true };
        var (durable, state) = Create(storage);

        Assert.True(await durable.ReadAsync(state));
        Assert.Equal(4, storage.Attempts);
        Assert.Equal(3, durable.ReadRetries);
        Assert.Equal(0, durable.ReadFailures);
        Assert.Equal(0, durable.Failures);
    }

    [Fact]
    public async Task A_read_that_keeps_failing_answers_unknown_after_every_attempt_and_opens_the_breaker()
    {
        var storage = new FakeGrainStorage { FailuresLeft = int.MaxValue };
        var (durable, state) = Create(storage);

        Assert.Null(await durable.ReadAsync(state));
        Assert.Equal(1 + NoWait.Length, storage.Attempts);
        Assert.Equal(1, durable.ReadFailures);
        Assert.Equal(1, durable.Failures);
        // The breaker is open: the next read does not reach the storage.
        Assert.Null(await durable.ReadAsync(state));
        Assert.Equal(1 + NoWait.Length, storage.Attempts);
    }

    [Fact]
    public async Task A_missing_record_is_false_not_unknown()
    {
        var storage = new FakeGrainStorage { FailuresLeft = 1, RecordExists = false };
        var (durable, state) = Create(storage);

        Assert.False(await durable.ReadAsync(state));
    }

    [Fact]
    public async Task The_retries_wait_their_back_off_on_the_injected_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var storage = new FakeGrainStorage { FailuresLeft = 2 };
        var (durable, state) = Create(storage, time, [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4)]);

        var read = durable.ReadAsync(state);
        Assert.Equal(1, storage.Attempts);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, storage.Attempts);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntil(() => storage.Attempts == 2);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, storage.Attempts);
        Assert.False(read.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await read);
        Assert.Equal(3, storage.Attempts);
    }

    [Fact]
    public async Task With_durability_off_nothing_is_read()
    {
        var storage = new FakeGrainStorage();
        var durable = new DurableState(false, TimeProvider.System, NullLogger<DurableState>.Instance);

        Assert.False(await durable.ReadAsync(new LazyState<int>(storage, "test", GrainId.Create("test", "g1"))));
        Assert.Equal(0, storage.Attempts);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(2);
        }
    }
}
