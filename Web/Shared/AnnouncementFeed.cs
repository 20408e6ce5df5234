using System.Collections.Immutable;
using CallCenter.Agents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallCenter.Web.Shared;

/// <summary>This process's one subscription to the announcement board, fanned out to the agent desktops.</summary>
public sealed class AnnouncementFeed(IGrainFactory grains, TimeProvider time, ILogger<AnnouncementFeed> logger)
    : BackgroundService, IAnnouncementObserver
{
    private IAnnouncementObserver? _reference;
    private ImmutableArray<Announcement> _recent = [];

    /// <summary>Newest first.</summary>
    public ImmutableArray<Announcement> Recent => _recent;

    public event Action? Changed;

    private IAnnouncementBoardGrain Board => grains.GetGrain<IAnnouncementBoardGrain>(IAnnouncementBoardGrain.Key);

    public Task Posted(Announcement announcement)
    {
        ImmutableInterlocked.Update(ref _recent, r => r.Any(a => a.Id == announcement.Id) ? r : r.Insert(0, announcement).Take(IAnnouncementBoardGrain.Keep).ToImmutableArray());
        Changed?.Invoke();
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = grains.CreateObjectReference<IAnnouncementObserver>(this);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = LiveCenterFeed.RenewEvery;
            try
            {
                _recent = [.. await Board.Subscribe(_reference).WaitAsync(stoppingToken)];
                Changed?.Invoke();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not subscribe to the announcement board; retrying");
                wait = TimeSpan.FromSeconds(1);
            }
            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is not null)
        {
            try
            {
                await Board.Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Unsubscribing from the announcement board failed at shutdown");
            }
            grains.DeleteObjectReference<IAnnouncementObserver>(_reference);
        }
    }
}
