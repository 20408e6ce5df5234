using System.Collections.Concurrent;
using CallCenter.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace CallCenter.Database.Tests.OrleansStore;

/// <summary>State of <see cref="NotebookGrain"/>: notes appended one by one.</summary>
[GenerateSerializer]
public sealed class NotebookState
{
    [Id(0)]
    public List<string> Notes { get; set; } = [];

    [Id(1)]
    public DateTimeOffset? LastWrite { get; set; }
}

/// <summary>A record-shaped state, like the call-center grains' (immutable, with a collection).</summary>
[GenerateSerializer]
public sealed record LedgerState([property: Id(0)] string Owner, [property: Id(1)] IReadOnlyList<int> Entries)
{
    public LedgerState() : this("", []) { }
}

public interface INotebookGrain : IGrainWithStringKey
{
    Task Append(string note);

    Task<IReadOnlyList<string>> Read();

    Task<string?> ETag();
}

public interface ILedgerGrain : IGrainWithGuidKey
{
    Task Add(string owner, int entry);

    Task<LedgerState> Read();
}

/// <summary>Registers a reminder and reports what the reminder table says about it.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Register(string name, TimeSpan dueTime, TimeSpan period);

    /// <summary>The name of the reminder as <c>GetReminder</c> returns it, or null when it has none by that name.</summary>
    Task<string?> Find(string name);

    Task Unregister(string name);
}

public sealed class NotebookGrain(
    [PersistentState("notebook", CallCenterSiloExtensions.StorageName)] IPersistentState<NotebookState> state)
    : Grain, INotebookGrain
{
    public async Task Append(string note)
    {
        state.State.Notes.Add(note);
        state.State.LastWrite = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> Read() => Task.FromResult<IReadOnlyList<string>>(state.State.Notes.ToArray());

    public Task<string?> ETag() => Task.FromResult(state.Etag);
}

public sealed class LedgerGrain(
    [PersistentState("ledger", CallCenterSiloExtensions.StorageName)] IPersistentState<LedgerState> state)
    : Grain, ILedgerGrain
{
    public async Task Add(string owner, int entry)
    {
        state.State = state.State with { Owner = owner, Entries = [.. state.State.Entries, entry] };
        await state.WriteStateAsync();
    }

    public Task<LedgerState> Read() => Task.FromResult(state.State);
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public Task Register(string name, TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder(name, dueTime, period);

    public async Task<string?> Find(string name) => (await this.GetReminder(name))?.ReminderName;

    public async Task Unregister(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var silo = ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        ReminderTicks.Record(this.GetPrimaryKeyString(), reminderName, silo.ToParsableString());
        return Task.CompletedTask;
    }
}

/// <summary>Ticks received by <see cref="ReminderProbeGrain"/> in this process, by grain key and reminder.</summary>
public static class ReminderTicks
{
    private static readonly ConcurrentDictionary<(string Grain, string Reminder), ConcurrentQueue<string>> Ticks = new();
    private static readonly ConcurrentDictionary<(string Grain, string Reminder), TaskCompletionSource<string>> Waiters = new();

    public static void Record(string grain, string reminder, string silo)
    {
        Ticks.GetOrAdd((grain, reminder), _ => new ConcurrentQueue<string>()).Enqueue(silo);
        Waiters.GetOrAdd((grain, reminder), _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(silo);
    }

    public static IReadOnlyList<string> Of(string grain, string reminder) =>
        Ticks.TryGetValue((grain, reminder), out var ticks) ? ticks.ToArray() : [];

    /// <summary>The silo of the first tick recorded from now on.</summary>
    public static Task<string> NextAsync(string grain, string reminder)
    {
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        Waiters[(grain, reminder)] = waiter;
        return waiter.Task;
    }
}
