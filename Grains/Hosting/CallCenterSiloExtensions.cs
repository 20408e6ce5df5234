using CallCenter.Calls;
using CallCenter.Customers;
using CallCenter.Stats;
using CallCenter.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CallCenter.Hosting;

public static class CallCenterSiloExtensions
{
    /// <summary>Grain storage name used by every call-center grain (each grain type has its own state name).</summary>
    public const string StorageName = "callcenter";

    /// <summary>
    /// Registers the call-center grains' services. Register a <see cref="Time.CallCenterClock"/> or an
    /// <see cref="ICallDetailRecordSink"/> before calling this to replace the defaults
    /// (the simulator registers a scaled clock and a counting sink; Orleans keeps real time).
    /// </summary>
    /// <param name="memoryStorage">Registers memory grain storage (the embedded default); otherwise the host registers storage named <see cref="StorageName"/>.</param>
    /// <param name="durableState">Whether live calls and agents write their state so that they resume after a silo dies; defaults to true exactly when the storage is not memory.</param>
    public static ISiloBuilder AddCallCenter(this ISiloBuilder silo, bool memoryStorage = true, bool? durableState = null)
    {
        var durable = durableState ?? !memoryStorage;
        silo.Services.TryAddSingleton(sp => new DurableState(durable, TimeProvider.System, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DurableState>>()));
        if (memoryStorage)
        {
            silo.AddMemoryGrainStorage(StorageName);
            // The same binary serializer as PostgreSQL storage: the default JSON one cannot read
            // immutable collections back (ticket state holds them), and memory should fail like production.
            silo.Services.AddOptions<Orleans.Configuration.MemoryGrainStorageOptions>(StorageName)
                .Configure<Orleans.Serialization.Serializer>((options, serializer) => options.GrainStorageSerializer = new Orleans.Storage.OrleansGrainStorageSerializer(serializer));
        }
        silo.Services.TryAddSingleton(StorageGate.Unbounded());
        silo.Services.AddOptions<CallAdmissionOptions>().BindConfiguration(CallAdmissionOptions.Section).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<CallAdmissionOptions>, CallAdmissionOptionsValidator>());
        silo.Services.TryAddSingleton<CallAdmission>();
        silo.Services.TryAddSingleton(Time.CallCenterClock.System);
        silo.Services.TryAddSingleton<InMemoryCallDetailRecordSink>();
        silo.Services.TryAddSingleton<ICallDetailRecordSink>(sp => sp.GetRequiredService<InMemoryCallDetailRecordSink>());
        silo.Services.TryAddSingleton<History.IHistorySink, History.DiscardingHistorySink>();
        silo.Services.TryAddSingleton<ICallRecordLookup, NoCallRecordLookup>();
        silo.Services.TryAddSingleton<PresenceReporter>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<PresenceReporter>());
        silo.Services.TryAddSingleton<Acd.RoutingTableCache>();
        silo.AddTickets(memoryReminders: memoryStorage);
        silo.AddCustomers();
        return silo;
    }
}
