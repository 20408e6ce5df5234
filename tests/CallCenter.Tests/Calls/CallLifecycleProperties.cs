using CallCenter.Calls;
using FsCheck;
using FsCheck.Fluent;

namespace CallCenter.Tests.Calls;

public sealed class CallLifecycleProperties
{
    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property A_call_ends_at_most_once_and_nothing_follows_the_end() =>
        Prop.ForAll(Gen.Elements(Enum.GetValues<CallState>()).ArrayOf().ToArbitrary(), path =>
        {
            var state = CallState.New;
            var ends = 0;
            foreach (var next in path)
            {
                if (!CallLifecycle.IsLegal(state, next))
                {
                    Assert.Throws<InvalidCallTransitionException>(() => CallLifecycle.Check("c", state, next));
                    continue;
                }
                if (next == CallState.Ended) ends++;
                state = next;
            }
            Assert.True(ends <= 1);
            Assert.All(Enum.GetValues<CallState>(), s => Assert.False(CallLifecycle.IsLegal(CallState.Ended, s)));
        });

    [Theory]
    [InlineData(CallState.Connected, CallOutcome.Completed, true)]
    [InlineData(CallState.Connected, CallOutcome.Abandoned, false)]
    [InlineData(CallState.Queued, CallOutcome.Completed, false)]
    [InlineData(CallState.Queued, CallOutcome.Abandoned, true)]
    [InlineData(CallState.Offered, CallOutcome.Voicemail, true)]
    [InlineData(CallState.New, CallOutcome.Rejected, true)]
    [InlineData(CallState.Ended, CallOutcome.Completed, false)]
    [InlineData(CallState.Ivr, CallOutcome.Completed, true)]
    [InlineData(CallState.Ivr, CallOutcome.Voicemail, true)]
    [InlineData(CallState.Ivr, CallOutcome.Abandoned, false)]
    public void The_outcome_must_fit_how_the_call_ended(CallState state, CallOutcome outcome, bool allowed) =>
        Assert.Equal(allowed, CallLifecycle.CanEndWith(state, outcome));
}
