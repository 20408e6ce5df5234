using CallCenter.Web.Agents;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Agents;

public sealed class WrapUpCountdownTests
{
    /// <summary>The countdown never goes negative, only falls as time passes, and reaches zero exactly at the end of the wrap-up.</summary>
    [FsCheck.Xunit.Property]
    public Property The_countdown_falls_to_zero_and_stays_there() =>
        Prop.ForAll(Gen.Choose(0, 600).ToArbitrary(), Gen.Choose(0, 900).ToArbitrary(), Gen.Choose(0, 900).ToArbitrary(), (wrap, a, b) =>
        {
            var since = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
            var (early, late) = a <= b ? (a, b) : (b, a);
            var atEarly = WrapUpCountdown.Remaining(since, TimeSpan.FromSeconds(wrap), since.AddSeconds(early));
            var atLate = WrapUpCountdown.Remaining(since, TimeSpan.FromSeconds(wrap), since.AddSeconds(late));
            return atLate <= atEarly && atLate >= TimeSpan.Zero
                && WrapUpCountdown.Remaining(since, TimeSpan.FromSeconds(wrap), since.AddSeconds(wrap)) == TimeSpan.Zero
                && (early >= wrap || atEarly == TimeSpan.FromSeconds(wrap - early));
        });
}
