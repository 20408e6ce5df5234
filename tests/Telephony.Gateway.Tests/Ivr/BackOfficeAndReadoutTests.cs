using CallCenter.Telephony.Gateway.Ivr;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Gateway.Tests.Ivr;

public sealed class BackOfficeAndReadoutTests
{
    private static Dictionary<string, string> Account(string account) => new() { ["account"] = account };

    [Fact]
    public async Task The_demo_billing_service_answers_the_same_for_the_same_account()
    {
        var billing = new DemoBillingService();
        var first = await billing.LookupAsync("balance", Account("12345678"), CancellationToken.None);
        var second = await billing.LookupAsync("balance", Account("12345678"), CancellationToken.None);
        Assert.Equal("ok", first["status"]);
        Assert.Equal(first["balance"], second["balance"]);
        Assert.Matches(@"^\d+\.\d\d$", first["balance"]);
        Assert.Matches(@"^\d+\.\d\d$", first["arrears"]);
        var other = await billing.LookupAsync("balance", Account("12345679"), CancellationToken.None);
        Assert.NotEqual(first["balance"], other["balance"]);
    }

    [Fact]
    public void Unknown_and_malformed_accounts_get_a_clear_status()
    {
        Assert.Equal("not-found", DemoBillingService.Lookup("balance", Account("12345670"))["status"]);
        Assert.Equal("invalid", DemoBillingService.Lookup("repair", Account("12a45678"))["status"]);
        Assert.Equal("invalid", DemoBillingService.Lookup("repair", new Dictionary<string, string>())["status"]);
        Assert.Equal("invalid", DemoBillingService.Lookup("repair", Account("01234567"))["status"]);
        Assert.Throws<ArgumentException>(() => DemoBillingService.Lookup("lottery", Account("12345678")));
    }

    [Fact]
    public void Repair_progress_has_a_stage_and_ticket()
    {
        var result = DemoBillingService.Lookup("repair", Account("12345678"));
        Assert.InRange(int.Parse(result["repair.stage"]), 1, 4);
        Assert.Matches(@"^R\d{6}$", result["repair.ticket"]);
    }

    [Fact]
    public async Task A_cancelled_lookup_throws()
    {
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new DemoBillingService().LookupAsync("balance", Account("12345678"), new CancellationToken(canceled: true)));
    }

    [Fact]
    public void An_amount_reads_as_digits_point_cents_and_currency()
    {
        Assert.Equal(["number.1", "number.2", "number.3", "number.point", "number.4", "number.5", "number.currency"], NumberReadout.Amount("123.45").ToArray());
        Assert.Equal(["number.0", "number.currency"], NumberReadout.Amount("0.00").ToArray());
        Assert.Equal(["number.minus", "number.7", "number.point", "number.0", "number.5", "number.currency"], NumberReadout.Amount("-7.05").ToArray());
        Assert.Equal(["number.8", "number.0", "number.currency"], NumberReadout.Amount("80").ToArray());
        Assert.Equal(["number.4", "number.2"], NumberReadout.Amount("R42").ToArray());
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Amount_readout_spells_the_amount_back() =>
        Prop.ForAll(Gen.Choose(-10_000_000, 10_000_000).ToArbitrary(), cents =>
        {
            var amount = cents / 100m;
            var prompts = NumberReadout.Amount(amount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(NumberReadout.Currency, prompts[^1]);
            Assert.All(prompts, p => Assert.Contains(p, NumberReadout.PromptIds));
            var spoken = string.Concat(prompts.SkipLast(1).Select(p => p switch
            {
                NumberReadout.Minus => "-",
                NumberReadout.Point => ".",
                _ => p["number.".Length..],
            }));
            Assert.Equal(amount, decimal.Parse(spoken, System.Globalization.CultureInfo.InvariantCulture));
        });
}

public sealed class BackOfficeLookupExtensionsTests
{
    private static readonly LookupRequest Balance = new("balance", new Dictionary<string, string> { ["account"] = "12345678" });

    private sealed class ScriptedBackOffice(Func<CancellationToken, Task<IReadOnlyDictionary<string, string>>> answer) : IBackOfficeLookup
    {
        public CancellationToken LastToken { get; private set; }

        public Task<IReadOnlyDictionary<string, string>> LookupAsync(string service, IReadOnlyDictionary<string, string> args, CancellationToken ct)
        {
            LastToken = ct;
            return answer(ct);
        }
    }

    [Fact]
    public async Task An_answer_becomes_lookup_completed()
    {
        var answer = await new DemoBillingService().AnswerAsync(Balance, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);
        Assert.Equal("ok", Assert.IsType<LookupCompleted>(answer).Result["status"]);
    }

    [Fact]
    public async Task A_throwing_back_office_becomes_lookup_failed()
    {
        var backOffice = new ScriptedBackOffice(_ => throw new InvalidOperationException("billing is down"));
        var answer = await backOffice.AnswerAsync(Balance, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);
        Assert.Equal("balance: billing is down", Assert.IsType<LookupFailed>(answer).Reason);
    }

    [Fact]
    public async Task A_back_office_that_does_not_answer_in_time_becomes_lookup_failed_and_is_cancelled()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var backOffice = new ScriptedBackOffice(ct => Task.Delay(Timeout.Infinite, ct).ContinueWith<IReadOnlyDictionary<string, string>>(_ => new Dictionary<string, string>()));
        var pending = backOffice.AnswerAsync(Balance, TimeSpan.FromSeconds(3), clock, CancellationToken.None);
        Assert.False(pending.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(3));
        var answer = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("balance: no answer within 3 s", Assert.IsType<LookupFailed>(answer).Reason);
        Assert.True(backOffice.LastToken.IsCancellationRequested);
    }

    [Fact]
    public async Task An_ended_call_cancels_the_lookup()
    {
        using var call = new CancellationTokenSource();
        var backOffice = new ScriptedBackOffice(ct => Task.Delay(Timeout.Infinite, ct).ContinueWith<IReadOnlyDictionary<string, string>>(_ => new Dictionary<string, string>(), ct));
        var pending = backOffice.AnswerAsync(Balance, TimeSpan.FromSeconds(30), TimeProvider.System, call.Token);
        await call.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }
}
