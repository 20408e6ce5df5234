using System.Collections.Immutable;
using CallCenter.History;
using CallCenter.Hosting;

namespace CallCenter.Security;

[GenerateSerializer, Alias("security.audit-record")]
public sealed class AuditLogRecord
{
    [Id(0)] public ImmutableArray<AuditEntry> Entries { get; set; } = [];
}

/// <summary>
/// The web's audit log (ADM-1): the latest <see cref="IAuditLogGrain.Capacity"/> entries, newest first,
/// persisted, for the audit page. With PostgreSQL every entry also goes to the audit_log table through
/// the batched history writer (the sinks are empty in the embedded default).
/// </summary>
public sealed class AuditLogGrain(
    [PersistentState("auditLog", CallCenterSiloExtensions.StorageName)] IPersistentState<AuditLogRecord> record,
    IEnumerable<IAuditHistorySink> sinks)
    : Grain, IAuditLogGrain
{
    private readonly IAuditHistorySink[] _sinks = [.. sinks];

    public async Task Record(AuditEntry entry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.User);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Action);
        var entries = record.State.Entries.Insert(0, entry);
        record.State.Entries = entries.Length > IAuditLogGrain.Capacity ? entries.RemoveRange(IAuditLogGrain.Capacity, entries.Length - IAuditLogGrain.Capacity) : entries;
        await record.WriteStateAsync();
        if (_sinks.Length > 0)
        {
            var history = new AuditHistoryRecord(Guid.NewGuid(), this.GetPrimaryKeyString(), entry);
            foreach (var sink in _sinks)
            {
                await sink.WriteAsync(history);
            }
        }
    }

    public Task<ImmutableArray<AuditEntry>> Recent(int count) =>
        Task.FromResult(count <= 0 ? [] : record.State.Entries.Length <= count ? record.State.Entries : record.State.Entries.RemoveRange(count, record.State.Entries.Length - count));
}
