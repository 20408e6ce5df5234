using CallCenter.Hosting;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Hosting;

public sealed class StorageGateTests
{
    private static readonly GrainId Grain = GrainId.Create("test", "g1");

    [Fact]
    public async Task Operations_beyond_the_capacity_wait_in_the_gate_and_all_complete_in_turn()
    {
        var storage = new FakeGrainStorage { Hold = true };
        var gate = new StorageGate(3);
        var gated = new GatedGrainStorage(storage, gate);
        var writes = Enumerable.Range(0, 10).Select(_ => gated.WriteStateAsync("s", Grain, new GrainState<int>())).ToList();

        Assert.Equal(3, storage.HeldCount);
        Assert.Equal(3, gate.InFlight);
        Assert.Equal(7, gate.Waiting);
        await DrainAsync(storage, writes);
        Assert.Equal(10, storage.Completed);
        Assert.Equal(3, storage.MaxInFlight);
        Assert.Equal(0, gate.Waiting);
        Assert.Equal(0, gate.InFlight);
        Assert.Equal(7, gate.PeakWaiting);
        Assert.Equal(10, gate.Passed);
    }

    [Fact]
    public async Task A_failed_operation_frees_its_slot_and_its_error_reaches_the_caller()
    {
        var storage = new FakeGrainStorage { FailuresLeft = 1 };
        var gate = new StorageGate(1);
        var gated = new GatedGrainStorage(storage, gate);

        await Assert.ThrowsAsync<TimeoutException>(() => gated.ReadStateAsync("s", Grain, new GrainState<int>()));
        await gated.ReadStateAsync("s", Grain, new GrainState<int>());

        Assert.Equal(0, gate.InFlight);
        Assert.Equal(2, storage.Attempts);
    }

    [Fact]
    public async Task Work_of_admitted_calls_goes_before_new_calls_waiting_in_the_admission_lane()
    {
        var gate = new StorageGate(1);
        var order = new List<string>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = gate.RunAsync(() => first.Task);
        Task newCall;
        using (StorageGate.AdmissionLane())
        {
            newCall = gate.RunAsync(() => Record(order, "new call"));
        }
        var admitted = gate.RunAsync(() => Record(order, "admitted call"));
        Assert.Equal(2, gate.Waiting);

        first.SetResult();
        await Task.WhenAll(holding, newCall, admitted);

        Assert.Equal(["admitted call", "new call"], order);
        Assert.Equal(0, gate.Waiting);
        Assert.Equal(0, gate.InFlight);
    }

    private static Task Record(List<string> order, string what)
    {
        lock (order)
        {
            order.Add(what);
        }
        return Task.CompletedTask;
    }

    [Fact]
    public void A_gate_needs_at_least_one_slot()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageGate(0));
    }

    [FsCheck.Xunit.Property(MaxTest = 60)]
    public Property Never_more_than_the_capacity_in_flight_and_every_operation_completes() =>
        Prop.ForAll(Gen.Choose(1, 6).ToArbitrary(), Gen.Choose(0, 40).ToArbitrary(), (capacity, operations) =>
        {
            var storage = new FakeGrainStorage { Hold = true };
            var gate = new StorageGate(capacity);
            var gated = new GatedGrainStorage(storage, gate);
            var tasks = Enumerable.Range(0, operations).Select(i => i % 2 == 0
                ? gated.WriteStateAsync("s", Grain, new GrainState<int>())
                : gated.ClearStateAsync("s", Grain, new GrainState<int>())).ToList();
            Assert.Equal(Math.Min(capacity, operations), storage.HeldCount);
            Assert.Equal(Math.Max(0, operations - capacity), gate.Waiting);
            DrainAsync(storage, tasks).GetAwaiter().GetResult();
            return storage.MaxInFlight <= capacity && storage.Completed == operations && gate.Waiting == 0 && gate.InFlight == 0;
        });

    /// <summary>
    /// Releases held operations one by one until every task has completed. A waiter takes its slot
    /// on a pool thread after a release, so between releases this waits (generously, without a
    /// threshold on how long it took) for the next one to reach the storage.
    /// </summary>
    private static async Task DrainAsync(FakeGrainStorage storage, IReadOnlyList<Task> tasks)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (tasks.Any(t => !t.IsCompleted))
        {
            if (!storage.ReleaseOne())
            {
                Assert.True(DateTime.UtcNow < deadline, "operations waited in the gate while no slot was taken");
                await Task.Delay(2);
            }
        }
        await Task.WhenAll(tasks);
    }
}
