using System.Collections.Immutable;
using CallCenter.Calls;

namespace CallCenter.Tickets;

/// <summary>Creating tickets from calls (TKT-1). Ticket ids derive from the call id, so a retried create finds the same ticket.</summary>
public static class TicketIntake
{
    /// <summary>A ticket an agent registers during or after a call: the call's recording and IVR data are linked.</summary>
    public static Task<Ticket> CreateTicketFromCall(this IGrainFactory grains, string callId, string? recordingPath, ImmutableDictionary<string, string> ivrData, TicketDraft draft) =>
        grains.GetTicket("call-" + callId).Create(draft with
        {
            Source = TicketSource.Call,
            CallId = callId,
            RecordingPath = recordingPath,
            IvrData = ivrData,
        });

    /// <summary>
    /// A callback ticket for a call the caller abandoned, when the caller can be called back (a
    /// presented number). Null for any other call. Hook: the call grain calls this when it writes
    /// an abandoned call's record.
    /// </summary>
    public static async Task<Ticket?> CreateCallbackTicket(this IGrainFactory grains, CallDetailRecord record, string centerId)
    {
        if (record.Outcome != CallOutcome.Abandoned || !IsKnownCaller(record.CallerNumber))
        {
            return null;
        }
        return await grains.GetTicket("callback-" + record.CallId).Create(new TicketDraft
        {
            Category = TicketCategory.Consultation,
            Priority = TicketPriority.Urgent,
            Customer = record.CallerNumber,
            CustomerNumber = record.CallerNumber,
            Title = $"Call back {record.CallerNumber}: abandoned after {record.Wait.TotalSeconds:0} s",
            Content = $"Service {record.Service}, queues {string.Join(" > ", record.QueuePath)}",
            Source = TicketSource.AbandonedCall,
            CallId = record.CallId,
            IvrData = record.AttachedData,
            CenterId = centerId,
            CreatedBy = "system",
        });
    }

    /// <summary>A caller can be called back when the number was presented (not withheld, anonymous or empty).</summary>
    public static bool IsKnownCaller(string? number) =>
        !string.IsNullOrWhiteSpace(number)
        && number.Count(char.IsAsciiDigit) >= 3
        && !number.Contains("anonymous", StringComparison.OrdinalIgnoreCase);
}
