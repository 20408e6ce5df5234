using System.Diagnostics;

namespace CallCenter.Silo.Hosting;

/// <summary>
/// Stops the silo when the process it was started for has gone (<c>--parent-pid</c>): a load-test
/// harness killed before its finally blocks ran (SIGKILL, a crash) must not leave silos behind.
/// </summary>
public sealed class ParentProcessWatch(int parentId, IHostApplicationLifetime lifetime, ILogger<ParentProcessWatch> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Poll);
        do
        {
            if (!IsAlive(parentId))
            {
                logger.LogWarning("Parent process {ParentId} has gone: stopping the silo", parentId);
                lifetime.StopApplication();
                return;
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
