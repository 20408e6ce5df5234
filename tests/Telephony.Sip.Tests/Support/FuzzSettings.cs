using System.Diagnostics;
using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Telephony.Sip.Tests.Support;

/// <summary>
/// Property-test settings. SIP_FUZZ_CASES raises the number of cases per property for a benchmark run
/// (for example 100000); the default run uses <see cref="DefaultCases"/>.
/// </summary>
internal static class FuzzSettings
{
    public const int DefaultCases = 2_000;
    public const string CasesVariable = "SIP_FUZZ_CASES";

    /// <summary>
    /// A hang detector, not a speed test: a parse that takes this long on input of at most 64 KiB has
    /// gone quadratic or looped, whatever the machine's load.
    /// </summary>
    public static readonly TimeSpan HangThreshold = TimeSpan.FromSeconds(5);

    public static int Cases =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var cases) && cases > 0
            ? cases
            : DefaultCases;

    public static Config Config => Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true);

    public static void Check<T>(Arbitrary<T> arbitrary, Func<T, bool> property) =>
        Prop.ForAll(arbitrary, property).Check(Config);

    public static void Check<T>(Gen<T> generator, Func<T, bool> property) => Check(Arb.From(generator), property);

    public static bool CompletesQuickly(Action action)
    {
        var stopwatch = Stopwatch.StartNew();
        action();
        return stopwatch.Elapsed < HangThreshold;
    }
}
