using CallCenter.Security;

namespace CallCenter.History;

/// <summary>
/// Where the audit log grain hands each entry for the database (ADM-1). Registered only when storage
/// is PostgreSQL (the batched history writer); the embedded default keeps the grain's own log only.
/// Called inside the grain, so it must not block.
/// </summary>
public interface IAuditHistorySink
{
    ValueTask WriteAsync(AuditHistoryRecord record);
}
