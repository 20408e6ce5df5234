using CallCenter.Calls;
using CallCenter.Hosting;
using Microsoft.Extensions.Options;

namespace CallCenter.Tests.Calls;

public sealed class CallAdmissionTests
{
    [Fact]
    public void A_silo_at_its_live_call_limit_refuses_new_calls_until_one_ends()
    {
        var admission = new CallAdmission(Options.Create(new CallAdmissionOptions { MaxLiveCalls = 2 }), StorageGate.Unbounded());

        Assert.Null(admission.TryAdmit());
        Assert.Null(admission.TryAdmit());
        var refusal = admission.TryAdmit();
        Assert.NotNull(refusal);
        Assert.Contains("2 live calls (limit 2)", refusal);
        Assert.Equal(1, admission.Refused);
        Assert.Equal(2, admission.Admitted);

        admission.CallLeft();
        Assert.Null(admission.TryAdmit());
        Assert.Equal(2, admission.LiveCalls);
    }

    [Fact]
    public async Task A_storage_backlog_above_the_limit_shuts_the_door_and_opens_it_when_it_drains()
    {
        var gate = new StorageGate(1);
        var admission = new CallAdmission(Options.Create(new CallAdmissionOptions { MaxStorageBacklog = 1 }), gate);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var operations = Enumerable.Range(0, 3).Select(_ => gate.RunAsync(() => release.Task)).ToList();

        Assert.Equal(2, gate.Waiting);
        Assert.Contains("2 storage operations wait (limit 1)", admission.TryAdmit());

        release.SetResult();
        await Task.WhenAll(operations);
        Assert.Null(admission.TryAdmit());
    }

    [Fact]
    public void Zero_limits_never_refuse()
    {
        var gate = new StorageGate(1);
        var admission = new CallAdmission(Options.Create(new CallAdmissionOptions { MaxStorageBacklog = 0, MaxLiveCalls = 0 }), gate);
        var blocked = new TaskCompletionSource();
        for (var i = 0; i < 5; i++)
        {
            _ = gate.RunAsync(() => blocked.Task);
        }

        Assert.All(Enumerable.Range(0, 100), _ => Assert.Null(admission.TryAdmit()));
        blocked.SetResult();
    }

    [Theory]
    [InlineData(-1, 0, 5, "MaxStorageBacklog")]
    [InlineData(0, -3, 5, "MaxLiveCalls")]
    [InlineData(0, 0, 0, "RetryAfterSeconds")]
    public void Bad_settings_are_named_in_the_error(int backlog, int live, int retryAfter, string field)
    {
        var errors = new CallAdmissionOptions { MaxStorageBacklog = backlog, MaxLiveCalls = live, RetryAfterSeconds = retryAfter }.Validate();

        Assert.Single(errors);
        Assert.Contains($"{CallAdmissionOptions.Section}:{field}", errors[0]);
    }
}
