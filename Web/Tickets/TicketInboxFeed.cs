using System.Collections.Concurrent;
using CallCenter.Tickets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallCenter.Web.Tickets;

/// <summary>
/// This process's subscriptions to ticket inboxes (TKT-5), shared by every screen that watches one:
/// an inbox grain pushes each change once to the process, which fans it out to the circuits. An inbox
/// is subscribed while someone watches it and renewed well inside the grain's two-minute lifetime.
/// </summary>
public sealed class TicketInboxFeed(IGrainFactory grains, TimeProvider time, ILogger<TicketInboxFeed> logger)
    : BackgroundService, IInboxObserver
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, Watchers> _watched = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private IInboxObserver? _reference;

    private sealed class Watchers
    {
        public readonly List<Action<InboxNotification?>> Handlers = [];
        public Task Subscribed = Task.CompletedTask;
    }

    /// <summary>
    /// Calls <paramref name="changed"/> (on another thread; hop onto the renderer) after every change of
    /// the inbox <paramref name="inboxKey"/> until disposed, and once with null as soon as the subscription
    /// stands: a change between the screen's first read and the subscription is not missed.
    /// </summary>
    public IDisposable Watch(string inboxKey, Action<InboxNotification?> changed)
    {
        Task subscribed;
        lock (_gate)
        {
            var watchers = _watched.GetOrAdd(inboxKey, _ => new Watchers());
            if (watchers.Handlers.Count == 0)
            {
                watchers.Subscribed = SubscribeAsync(inboxKey);
            }
            watchers.Handlers.Add(changed);
            subscribed = watchers.Subscribed;
        }
        var subscription = new Subscription(this, inboxKey, changed);
        _ = subscribed.ContinueWith(_ => subscription.Refresh(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return subscription;
    }

    /// <summary>Completes once the first subscription to <paramref name="inboxKey"/> was made (or failed and awaits the renewal).</summary>
    internal Task Subscribed(string inboxKey)
    {
        lock (_gate)
        {
            return _watched.TryGetValue(inboxKey, out var watchers) ? watchers.Subscribed : Task.CompletedTask;
        }
    }

    public Task InboxChanged(string owner, InboxNotification? notification)
    {
        Action<InboxNotification?>[] handlers;
        lock (_gate)
        {
            handlers = _watched.TryGetValue(owner, out var watchers) ? [.. watchers.Handlers] : [];
        }
        foreach (var handler in handlers)
        {
            try
            {
                handler(notification);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A screen failed to take the change of inbox {Inbox}", owner);
            }
        }
        return Task.CompletedTask;
    }

    private void Unwatch(string inboxKey, Action<InboxNotification?> changed)
    {
        bool last;
        lock (_gate)
        {
            if (!_watched.TryGetValue(inboxKey, out var watchers) || !watchers.Handlers.Remove(changed))
            {
                return;
            }
            last = watchers.Handlers.Count == 0;
            if (last)
            {
                _watched.TryRemove(inboxKey, out _);
            }
        }
        if (last && _reference is not null)
        {
            grains.GetGrain<IInboxGrain>(inboxKey).Unsubscribe(_reference).Ignore();
        }
    }

    private IInboxObserver Reference
    {
        get
        {
            lock (_gate)
            {
                return _reference ??= grains.CreateObjectReference<IInboxObserver>(this);
            }
        }
    }

    private async Task SubscribeAsync(string inboxKey)
    {
        try
        {
            await grains.GetGrain<IInboxGrain>(inboxKey).Subscribe(Reference);
        }
        catch (Exception ex)
        {
            // The next renewal tries again.
            logger.LogWarning(ex, "Could not subscribe to inbox {Inbox}", inboxKey);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewEvery, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            foreach (var key in _watched.Keys)
            {
                await SubscribeAsync(key);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is not null)
        {
            foreach (var key in _watched.Keys)
            {
                try
                {
                    await grains.GetGrain<IInboxGrain>(key).Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                }
                catch (Exception ex)
                {
                    logger.LogDebug(ex, "Unsubscribing from inbox {Inbox} failed at shutdown", key);
                }
            }
            grains.DeleteObjectReference<IInboxObserver>(_reference);
        }
    }

    private sealed class Subscription(TicketInboxFeed feed, string inboxKey, Action<InboxNotification?> changed) : IDisposable
    {
        private int _disposed;

        public void Refresh()
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                changed(null);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unwatch(inboxKey, changed);
            }
        }
    }
}
