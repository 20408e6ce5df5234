using System.Collections.Immutable;
using System.Globalization;

namespace CallCenter.Telephony.Gateway.Ivr;

/// <summary>The back office an IVR lookup node asks (IVR-2): billing, repair tickets... Answers with flat fields that become
/// session variables. Throwing (or cancellation) is reported to the session as <see cref="LookupFailed"/>.</summary>
public interface IBackOfficeLookup
{
    Task<IReadOnlyDictionary<string, string>> LookupAsync(string service, IReadOnlyDictionary<string, string> args, CancellationToken ct);
}

/// <summary>Runs an IVR <see cref="LookupRequest"/> against the back office and turns the outcome into the event the session expects.</summary>
public static class BackOfficeLookupExtensions
{
    /// <summary>
    /// <see cref="LookupCompleted"/> with the result, or <see cref="LookupFailed"/> when the back office throws or does not
    /// answer within <paramref name="timeout"/> (the caller is listening to "one moment please": a slow billing system
    /// must not hold the call). Only cancellation of <paramref name="ct"/> (the call ended) propagates.
    /// </summary>
    public static async Task<IvrEvent> AnswerAsync(this IBackOfficeLookup backOffice, LookupRequest request, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(backOffice);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var result = await backOffice.LookupAsync(request.Service, request.Arguments, attempt.Token).WaitAsync(timeout, time, ct);
            return new LookupCompleted(result);
        }
        catch (TimeoutException)
        {
            await attempt.CancelAsync();
            return new LookupFailed($"{request.Service}: no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new LookupFailed($"{request.Service}: {e.Message}");
        }
    }
}

/// <summary>
/// Deterministic demo back office for the 1000 hotline, so the self-service menus run without a billing system.
/// Services: <c>balance</c> and <c>repair</c>, argument <c>account</c>. Accounts are 6-12 digits not starting with 0;
/// accounts ending in 0 are unknown (<c>status=not-found</c>). Results always carry <c>status</c> (<c>ok</c>,
/// <c>not-found</c>, <c>invalid</c>). Balance: <c>balance</c> and <c>arrears</c> (amounts with two decimals, from a hash of
/// the account number). Repair: <c>repair.stage</c> (1 accepted, 2 engineer assigned, 3 on the way, 4 done) and
/// <c>repair.ticket</c>.
/// </summary>
public sealed class DemoBillingService : IBackOfficeLookup
{
    public const string BalanceService = "balance";
    public const string RepairService = "repair";

    public Task<IReadOnlyDictionary<string, string>> LookupAsync(string service, IReadOnlyDictionary<string, string> args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Lookup(service, args));
    }

    /// <summary>The synchronous core, for tests and for generating demo data.</summary>
    public static IReadOnlyDictionary<string, string> Lookup(string service, IReadOnlyDictionary<string, string> args)
    {
        if (service is not (BalanceService or RepairService))
            throw new ArgumentException($"unknown back-office service '{service}' (balance, repair)", nameof(service));
        if (!args.TryGetValue("account", out var account) || account.Length is < 6 or > 12 || !account.All(char.IsAsciiDigit) || account[0] == '0')
            return Result(("status", "invalid"));
        if (account[^1] == '0')
            return Result(("status", "not-found"), ("account", account));

        var seed = Seed(account);
        if (service == BalanceService)
        {
            var balance = (seed % 50_000) / 100m;
            var arrears = seed % 3 == 0 ? ((seed / 7) % 20_000) / 100m : 0m;
            return Result(("status", "ok"), ("account", account),
                ("balance", balance.ToString("0.00", CultureInfo.InvariantCulture)),
                ("arrears", arrears.ToString("0.00", CultureInfo.InvariantCulture)));
        }
        return Result(("status", "ok"), ("account", account),
            ("repair.stage", (1 + seed % 4).ToString(CultureInfo.InvariantCulture)),
            ("repair.ticket", $"R{seed % 1_000_000:D6}"));
    }

    /// <summary>FNV-1a: stable across processes and runtimes, unlike string.GetHashCode.</summary>
    private static long Seed(string account)
    {
        var hash = 2166136261u;
        foreach (var c in account)
            hash = unchecked((hash ^ c) * 16777619u);
        return hash;
    }

    private static IReadOnlyDictionary<string, string> Result(params (string Key, string Value)[] fields) =>
        fields.ToImmutableDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
}
