using System.Collections.Immutable;
using CallCenter.Calls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallCenter.Customers;

/// <summary>
/// Recognises callers by their number on the call's path without a grain call: a silo-local copy
/// of the directory's caller index, checked against the directory's version at most once per
/// <see cref="CustomerOptions.CallerIndexRefresh"/> (like the routing table's cache). It raises a
/// known caller's priority by level and appends each ended call to the customer's contact history.
/// </summary>
public sealed class CallerRecognition(IGrainFactory grains, IOptions<CustomerOptions> options, ILogger<CallerRecognition> logger)
{
    private readonly CustomerOptions _options = options.Value;
    private volatile CallerIndex? _index;
    private long _checkedAt;

    /// <summary>The priority the arriving call enters its queue with.</summary>
    public async ValueTask<int> PriorityFor(CallArrival arrival)
    {
        try
        {
            var caller = await Recognise(arrival.CallerNumber);
            return CustomerPriority.Raise(arrival.Priority, caller?.Level, _options.MinimumPriority);
        }
        catch (Exception ex)
        {
            // The directory being away must never stop a call: it is routed with the priority it brought.
            logger.LogWarning(ex, "Call {CallId}: caller {CallerNumber} not looked up; priority unchanged", arrival.CallId, arrival.CallerNumber);
            return arrival.Priority;
        }
    }

    /// <summary>The customer a number belongs to, as this silo's copy of the index knows it (null: unknown caller).</summary>
    public async ValueTask<KnownCaller?> Recognise(string callerNumber)
    {
        var index = await GetIndex();
        return CustomerRules.NormalizePhone(callerNumber) is { } phone ? index.Callers.GetValueOrDefault(phone) : null;
    }

    /// <summary>Appends an ended call to its caller's history; never awaited on the call's path, never throws.</summary>
    public async Task CallEnded(CallDetailRecord record)
    {
        try
        {
            if (await Recognise(record.CallerNumber) is not { } caller)
            {
                return;
            }
            var queue = record.QueuePath.IsDefaultOrEmpty ? null : record.QueuePath[^1];
            await grains.GetCustomerContacts(caller.CustomerId).Append(new CustomerContact(
                record.CallId, record.ArrivedAt, record.CallerNumber, queue, record.AgentId, record.Outcome, record.Wait, record.Talk));
        }
        catch (Exception ex)
        {
            // History is a convenience for the agent: losing one entry must not disturb the call.
            logger.LogWarning(ex, "Call {CallId}: contact history of caller {CallerNumber} not updated", record.CallId, record.CallerNumber);
        }
    }

    /// <summary>
    /// The directory on this silo hands over each new index at once, so that a customer created
    /// during a call (the screen pop's "new customer") is known when that call ends. Other silos
    /// learn of it within <see cref="CustomerOptions.CallerIndexRefresh"/>.
    /// </summary>
    public void Update(CallerIndex index)
    {
        if (_index is null || index.Version >= _index.Version)
        {
            _index = index;
        }
        Volatile.Write(ref _checkedAt, Environment.TickCount64);
    }

    private async ValueTask<CallerIndex> GetIndex()
    {
        var index = _index;
        if (index is null)
        {
            await Refresh();
            return _index ?? CallerIndex.Empty;
        }
        if (Environment.TickCount64 - Volatile.Read(ref _checkedAt) > _options.CallerIndexRefresh.TotalMilliseconds)
        {
            Volatile.Write(ref _checkedAt, Environment.TickCount64);
            _ = RefreshQuietly();
        }
        return index;
    }

    private async Task RefreshQuietly()
    {
        try
        {
            await Refresh();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "The caller index could not be refreshed; the previous copy stays in use");
        }
    }

    private async Task Refresh()
    {
        var directory = grains.GetCustomerDirectory();
        var version = await directory.GetVersion();
        if (_index is null || version != _index.Version)
        {
            var fresh = await directory.GetCallerIndex();
            if (_index is null || fresh.Version >= _index.Version)
            {
                _index = fresh;
            }
        }
        Volatile.Write(ref _checkedAt, Environment.TickCount64);
    }
}

public static class CustomerSiloExtensions
{
    /// <summary>Customer directory services: options bound from "CallCenter:Customers" and validated at start-up, the caller recognition.</summary>
    public static ISiloBuilder AddCustomers(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<CustomerOptions>().BindConfiguration(CustomerOptions.Section).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CustomerOptions>, CustomerOptionsValidator>());
        silo.Services.TryAddSingleton<CallerRecognition>();
        return silo;
    }
}
