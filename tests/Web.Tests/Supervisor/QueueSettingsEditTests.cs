using CallCenter.Acd;
using CallCenter.Web.Supervisor;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Web.Tests.Supervisor;

public sealed class QueueSettingsEditTests
{
    private static readonly IReadOnlySet<string> Known = new HashSet<string> { "hotline-bj", "hotline-common" };

    private static readonly QueueSettings Current = new()
    {
        Id = "hotline-bj",
        Overflow =
        [
            new OverflowRule(OverflowCondition.WaitExceeded, TimeSpan.FromSeconds(30), "hotline-common"),
            new OverflowRule(OverflowCondition.NoAgentsLoggedIn, TimeSpan.Zero, "hotline-common"),
        ],
    };

    [Fact]
    public void The_form_round_trips_the_current_settings()
    {
        var (settings, errors) = QueueSettingsEdit.From(Current).Apply(Current, Known);
        Assert.Empty(errors);
        Assert.Equal(Current.Strategy, settings!.Strategy);
        Assert.Equal(Current.Overflow.ToArray(), settings.Overflow.ToArray());
        Assert.Equal("no change", QueueSettingsEdit.Describe(Current, settings));
    }

    /// <summary>Any form: either every field is in range and the settings carry exactly those values (other overflow rules kept), or there are errors and no settings.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property A_form_is_applied_whole_or_not_at_all()
    {
        var form = from sl in Gen.Choose(-10, 4000)
                   from ring in Gen.Choose(-10, 400)
                   from wrap in Gen.Choose(-10, 4000)
                   from target in Gen.Elements<string?>(null, "", "hotline-common", "hotline-bj", "nowhere")
                   from after in Gen.Choose(-10, 4000)
                   from strategy in Gen.Elements(Enum.GetValues<RoutingStrategy>())
                   select new QueueSettingsEdit { ServiceLevelThresholdSeconds = sl, RingTimeoutSeconds = ring, WrapUpSeconds = wrap, OverflowTarget = target, OverflowAfterSeconds = after, Strategy = strategy };
        return Prop.ForAll(form.ToArbitrary(), edit =>
        {
            var valid = edit.ServiceLevelThresholdSeconds is >= 1 and <= 3600 && edit.RingTimeoutSeconds is >= 5 and <= 300 && edit.WrapUpSeconds is >= 0 and <= 3600
                && (string.IsNullOrEmpty(edit.OverflowTarget) || (edit.OverflowTarget == "hotline-common" && edit.OverflowAfterSeconds is >= 0 and <= 3600));
            var (settings, errors) = edit.Apply(Current, Known);
            if (!valid)
                return settings is null && errors.Count > 0;
            return settings is not null && errors.Count == 0
                && settings.Strategy == edit.Strategy
                && settings.ServiceLevelThreshold == TimeSpan.FromSeconds(edit.ServiceLevelThresholdSeconds)
                && settings.RingTimeout == TimeSpan.FromSeconds(edit.RingTimeoutSeconds)
                && settings.Overflow.Count(r => r.Condition == OverflowCondition.WaitExceeded) == (string.IsNullOrEmpty(edit.OverflowTarget) ? 0 : 1)
                && settings.Overflow.Contains(Current.Overflow[1]);
        });
    }
}
