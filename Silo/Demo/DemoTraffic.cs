using System.Collections.Concurrent;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Silo.Configuration;
using Microsoft.Extensions.Options;

namespace CallCenter.Silo.Demo;

internal static class DemoRandom
{
    /// <summary>An exponentially distributed draw with the given mean (Poisson arrivals, talk and patience times).</summary>
    public static double Exponential(double mean) => -Math.Log(1 - Random.Shared.NextDouble()) * mean;
}

/// <summary>
/// The demo agents' phones: answer after a short delay, talk for an exponential time, hang up.
/// Stands in for the softphones until the gateway registers real ones.
/// </summary>
public sealed class DemoPhones(IGrainFactory grains, IOptions<DemoOptions> options, ILogger<DemoPhones> logger) : IAgentPhone
{
    private readonly ConcurrentDictionary<string, bool> _answered = new(StringComparer.Ordinal);

    public bool WasAnswered(string callId) => _answered.ContainsKey(callId);

    public void Forget(string callId) => _answered.TryRemove(callId, out _);

    public Task Ring(Offer offer)
    {
        _ = AnswerAndTalk(offer);
        return Task.CompletedTask;
    }

    public Task<string?> PlaceCall(CallCenter.Calls.OutboundDial dial) => Task.FromResult<string?>("the demo traffic's simulated phones do not dial out");

    public Task OfferWithdrawn(string agentId, string callId) => Task.CompletedTask;

    public Task CallEnded(string agentId, string callId) => Task.CompletedTask;

    private async Task AnswerAndTalk(Offer offer)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.Value.AnswerDelaySeconds * (0.5 + Random.Shared.NextDouble())));
            var agent = grains.GetAgent(offer.AgentId);
            if (!await agent.Answer(offer.CallId))
            {
                return;
            }
            _answered[offer.CallId] = true;
            await Task.Delay(TimeSpan.FromSeconds(DemoRandom.Exponential(options.Value.MeanTalkSeconds)));
            await agent.Hangup();
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            // The call ended from the caller's side first: a normal race in a live center.
            logger.LogDebug(ex, "Demo phone of {AgentId} gave up on {CallId}", offer.AgentId, offer.CallId);
        }
    }
}

/// <summary>Demo callers: Poisson arrivals to service 1000 from all provinces, with limited patience.</summary>
public sealed class DemoTraffic(
    IGrainFactory grains,
    DemoCenter center,
    DemoPhones phones,
    IOptions<DemoOptions> options,
    ILogger<DemoTraffic> logger) : BackgroundService
{
    private long _calls;
    // Object references to observers are weak: keep the observer alive as long as the traffic runs.
    private ForgetOnEnd? _callObserver;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        if (!demo.Traffic || demo.CallsPerMinute <= 0)
        {
            return;
        }
        var staffed = center.Regions.Where(r => DemoCenter.StaffedRegions.Contains(r.Id)).ToArray();
        _callObserver = new ForgetOnEnd(phones);
        var observer = grains.CreateObjectReference<ICallObserver>(_callObserver);
        logger.LogInformation("Demo traffic: {Rate} calls/minute to service {Service}", demo.CallsPerMinute, DemoCenter.Service);
        while (!stoppingToken.IsCancellationRequested)
        {
            var gap = DemoRandom.Exponential(60 / demo.CallsPerMinute);
            await Task.Delay(TimeSpan.FromSeconds(gap), stoppingToken).ConfigureAwait(false);
            // Most callers come from the staffed provinces; the rest go to the national group.
            var region = Random.Shared.NextDouble() < 0.85
                ? staffed[Random.Shared.Next(staffed.Length)]
                : center.Regions[Random.Shared.Next(center.Regions.Count)];
            var callId = $"demo-{Interlocked.Increment(ref _calls):000000}";
            var arrival = new CallArrival
            {
                CallId = callId,
                CallerNumber = region.AreaCode + Random.Shared.Next(10_000_000, 99_999_999),
                Service = DemoCenter.Service,
                Priority = Random.Shared.NextDouble() < 0.05 ? 5 : 0,
            };
            _ = Call(arrival, observer, demo.MeanPatienceSeconds, stoppingToken);
        }
    }

    private async Task Call(CallArrival arrival, ICallObserver observer, double meanPatience, CancellationToken stoppingToken)
    {
        try
        {
            var call = grains.GetCall(arrival.CallId);
            await call.Start(arrival, observer);
            await Task.Delay(TimeSpan.FromSeconds(DemoRandom.Exponential(meanPatience)), stoppingToken);
            if (!phones.WasAnswered(arrival.CallId))
            {
                await call.Hangup(CallParty.Caller);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Demo call {CallId} failed", arrival.CallId);
        }
    }

    private sealed class ForgetOnEnd(DemoPhones phones) : ICallObserver
    {
        public Task CallConnected(string callId, string agentId) => Task.CompletedTask;

        public Task CallEnded(CallDetailRecord record)
        {
            phones.Forget(record.CallId);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Seeds the demo center once the silo is up, then logs the agents in on the demo phones.</summary>
public sealed class DemoSeeder(IGrainFactory grains, DemoCenter center, DemoPhones phones, ILogger<DemoSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var phone = grains.CreateObjectReference<IAgentPhone>(phones);
        await center.SeedAsync(grains, phone);
        logger.LogInformation("Demo center seeded: {Queues} queues, {Agents} agents, {Prefixes} area codes; call service {Service}",
            center.Queues.Length, center.Agents.Length, center.Routing.Prefixes.Length, DemoCenter.Service);
        // The same organization as the web site's ticket desks expect (CallCenter:Web:Tickets): the web
        // host seeds it too when it starts first, and whichever comes second finds it there.
        var departments = Web.Tickets.DemoTicketOrganization.Departments(DemoTickets.Center);
        if (await DemoTickets.SeedAsync(grains, departments))
        {
            logger.LogInformation("Demo ticket organization seeded: {Departments} departments under the center '{Center}'", departments.Length, DemoTickets.Center);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
