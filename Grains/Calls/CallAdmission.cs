using System.Globalization;
using CallCenter.Hosting;
using Microsoft.Extensions.Options;

namespace CallCenter.Calls;

/// <summary>
/// Call gapping ("CallCenter:Acd:Admission"): when a silo is overloaded, new calls are refused at
/// the door (the gateway answers 503 with Retry-After) so that calls already admitted are still
/// served and each ends with its outcome and record. A refused call has neither: it never entered.
/// </summary>
public sealed class CallAdmissionOptions
{
    public const string Section = "CallCenter:Acd:Admission";

    /// <summary>Refuse new calls while more grain storage operations than this wait at the silo's <see cref="StorageGate"/>; 0 never refuses for it.</summary>
    public int MaxStorageBacklog { get; set; } = 2000;

    /// <summary>Refuse new calls while the silo holds this many live calls (admitted, not yet ended); 0 (the default) never refuses for it.</summary>
    public int MaxLiveCalls { get; set; }

    /// <summary>Seconds a refused caller is told to wait before trying again (SIP Retry-After).</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxStorageBacklog < 0) errors.Add($"{Section}:MaxStorageBacklog: must be 0 (off) or positive, not {MaxStorageBacklog}");
        if (MaxLiveCalls < 0) errors.Add($"{Section}:MaxLiveCalls: must be 0 (off) or positive, not {MaxLiveCalls}");
        if (RetryAfterSeconds is < 1 or > 3600) errors.Add($"{Section}:RetryAfterSeconds: must be within 1..3600, not {RetryAfterSeconds}");
        return errors;
    }
}

public sealed class CallAdmissionOptionsValidator : IValidateOptions<CallAdmissionOptions>
{
    public ValidateOptionsResult Validate(string? name, CallAdmissionOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}

/// <summary>The silo's door: counts its live calls and says whether a new one may enter.</summary>
public sealed class CallAdmission(IOptions<CallAdmissionOptions> options, StorageGate gate)
{
    private readonly CallAdmissionOptions _options = options.Value;
    private long _live;
    private long _admitted;
    private long _refused;

    public long LiveCalls => Interlocked.Read(ref _live);

    public long Admitted => Interlocked.Read(ref _admitted);

    public long Refused => Interlocked.Read(ref _refused);

    public int RetryAfterSeconds => _options.RetryAfterSeconds;

    /// <summary>Why a new call must be refused now, or null when it may enter.</summary>
    public string? RefusalReason()
    {
        var backlog = gate.Waiting;
        if (_options.MaxStorageBacklog > 0 && backlog > _options.MaxStorageBacklog)
        {
            return string.Create(CultureInfo.InvariantCulture, $"overloaded: {backlog} storage operations wait (limit {_options.MaxStorageBacklog})");
        }
        var live = LiveCalls;
        if (_options.MaxLiveCalls > 0 && live >= _options.MaxLiveCalls)
        {
            return string.Create(CultureInfo.InvariantCulture, $"overloaded: {live} live calls (limit {_options.MaxLiveCalls})");
        }
        return null;
    }

    /// <summary>Decides for one new call and counts it: null admits it (the caller must later call <see cref="CallLeft"/>), else the reason it was refused.</summary>
    public string? TryAdmit()
    {
        if (RefusalReason() is { } reason)
        {
            Interlocked.Increment(ref _refused);
            return reason;
        }
        Interlocked.Increment(ref _admitted);
        Interlocked.Increment(ref _live);
        return null;
    }

    /// <summary>A call resumed on this silo after a crash counts as live without asking.</summary>
    public void CallResumed() => Interlocked.Increment(ref _live);

    public void CallLeft() => Interlocked.Decrement(ref _live);
}

[StatelessWorker]
public sealed class CallAdmissionGrain(CallAdmission admission) : Grain, ICallAdmissionGrain
{
    public Task<AdmissionAnswer> Check() =>
        Task.FromResult(admission.RefusalReason() is { } reason
            ? new AdmissionAnswer(false, reason, admission.RetryAfterSeconds)
            : new AdmissionAnswer(true, null, 0));
}
