using CallCenter.Calls;
using CallCenter.LoadTests.Failover;

namespace CallCenter.LoadTests.Tests.Failover;

public sealed class ReconciliationTests
{
    private static CallObservation Told(string id, params CallOutcome[] outcomes) => new(id, StartStatus.Accepted, outcomes);

    private static CdrRow Row(string id, CallOutcome outcome) => new(id, outcome.ToString());

    [Fact]
    public void Every_call_told_once_with_its_row_balances()
    {
        var result = Reconciliation.Reconcile(
            [Told("c1", CallOutcome.Completed), Told("c2", CallOutcome.Abandoned)],
            [Row("c1", CallOutcome.Completed), Row("c2", CallOutcome.Abandoned)]);

        Assert.Equal((2, 2, 2, 0, 0), (result.Offered, result.Completed, result.CdrRows, result.Lost, result.Duplicated));
        Assert.Equal(1, result.Abandoned);
        Assert.Equal(1, result.Outcomes["Completed"]);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void A_call_never_reported_ended_is_lost_even_with_a_row()
    {
        var result = Reconciliation.Reconcile([Told("c1")], [Row("c1", CallOutcome.Completed)]);

        Assert.Equal((1, 0, 1), (result.Lost, result.Completed, result.CdrRows));
        Assert.Equal(ProblemKind.NoOutcome, Assert.Single(result.Problems).Kind);
    }

    [Fact]
    public void A_call_told_ended_without_a_row_is_lost()
    {
        var result = Reconciliation.Reconcile([Told("c1", CallOutcome.Completed)], []);

        Assert.Equal((1, 0), (result.Lost, result.CdrRows));
        Assert.Equal(ProblemKind.NoCdr, Assert.Single(result.Problems).Kind);
    }

    [Fact]
    public void A_keep_alive_that_finds_the_call_gone_ends_it_when_the_row_exists()
    {
        var gone = new CallObservation("c1", StartStatus.Accepted, [], ReportedGone: true);

        var withRow = Reconciliation.Reconcile([gone], [Row("c1", CallOutcome.Abandoned)]);
        var withoutRow = Reconciliation.Reconcile([gone], []);

        Assert.Equal((0, 1, 1, 1), (withRow.Lost, withRow.Completed, withRow.EndedWithoutNotification, withRow.Abandoned));
        Assert.Equal(1, withoutRow.Lost);
        Assert.Equal(ProblemKind.NoOutcome, Assert.Single(withoutRow.Problems).Kind);
    }

    [Fact]
    public void The_outcome_a_keep_alive_saw_counts_as_the_end()
    {
        var seen = new CallObservation("c1", StartStatus.Accepted, [], KeepAliveOutcome: CallOutcome.Completed);

        var result = Reconciliation.Reconcile([seen], [Row("c1", CallOutcome.Completed)]);

        Assert.Equal((0, 0, 1), (result.Lost, result.Duplicated, result.EndedWithoutNotification));
    }

    [Fact]
    public void Two_different_outcomes_for_one_call_are_a_duplicate()
    {
        var result = Reconciliation.Reconcile(
            [Told("c1", CallOutcome.Abandoned, CallOutcome.Completed)],
            [Row("c1", CallOutcome.Abandoned)]);

        Assert.Equal((0, 1), (result.Lost, result.Duplicated));
        Assert.Contains(result.Problems, p => p.Kind == ProblemKind.ConflictingOutcomes);
    }

    [Fact]
    public void The_same_outcome_told_twice_is_only_noted()
    {
        var result = Reconciliation.Reconcile(
            [Told("c1", CallOutcome.Completed, CallOutcome.Completed)],
            [Row("c1", CallOutcome.Completed)]);

        Assert.Equal((0, 0, 1), (result.Lost, result.Duplicated, result.RepeatedNotifications));
    }

    [Fact]
    public void A_keep_alive_outcome_that_contradicts_the_notification_is_a_duplicate()
    {
        var call = new CallObservation("c1", StartStatus.Accepted, [CallOutcome.Completed], KeepAliveOutcome: CallOutcome.Abandoned);

        var result = Reconciliation.Reconcile([call], [Row("c1", CallOutcome.Completed)]);

        Assert.Equal(1, result.Duplicated);
    }

    [Fact]
    public void A_row_whose_outcome_is_not_the_one_told_is_a_duplicate()
    {
        var result = Reconciliation.Reconcile([Told("c1", CallOutcome.Completed)], [Row("c1", CallOutcome.Abandoned)]);

        Assert.Equal((0, 1), (result.Lost, result.Duplicated));
        Assert.Equal(ProblemKind.CdrOutcomeMismatch, Assert.Single(result.Problems).Kind);
    }

    [Fact]
    public void Two_rows_for_one_call_are_a_duplicate_counted_once()
    {
        var result = Reconciliation.Reconcile(
            [Told("c1", CallOutcome.Completed)],
            [Row("c1", CallOutcome.Completed), Row("c1", CallOutcome.Abandoned)]);

        Assert.Equal((2, 1), (result.CdrRows, result.Duplicated));
        Assert.Contains(result.Problems, p => p.Kind == ProblemKind.DuplicateCdrRows);
        Assert.Contains(result.Problems, p => p.Kind == ProblemKind.CdrOutcomeMismatch);
    }

    [Fact]
    public void A_row_for_a_call_never_placed_is_a_duplicate()
    {
        var result = Reconciliation.Reconcile([Told("c1", CallOutcome.Completed)], [Row("c1", CallOutcome.Completed), Row("ghost", CallOutcome.Completed)]);

        Assert.Equal((1, 1), (result.CdrRows, result.Duplicated));
        Assert.Equal(ProblemKind.UnknownCdr, Assert.Single(result.Problems).Kind);
    }

    [Fact]
    public void An_unconfirmed_start_counts_when_the_center_recorded_the_call()
    {
        var recorded = new CallObservation("c1", StartStatus.Unconfirmed, []);
        var unknown = new CallObservation("c2", StartStatus.Unconfirmed, []);

        var result = Reconciliation.Reconcile([recorded, unknown], [Row("c1", CallOutcome.Abandoned)]);

        Assert.Equal((0, 2, 1, 1), (result.Offered, result.StartUnconfirmed, result.Completed, result.Lost));
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("c2", ProblemKind.StartNeverConfirmed), (problem.CallId, problem.Kind));
    }

    [Fact]
    public void A_rejected_start_still_needs_its_outcome_and_row()
    {
        var rejected = new CallObservation("c1", StartStatus.Rejected, [CallOutcome.Rejected]);

        var result = Reconciliation.Reconcile([rejected], [Row("c1", CallOutcome.Rejected)]);

        Assert.Equal((0, 1, 1, 0), (result.Offered, result.Rejected, result.Completed, result.Lost));
    }

    [Fact]
    public void A_call_observed_twice_is_a_driver_bug()
    {
        Assert.Throws<ArgumentException>(() => Reconciliation.Reconcile([Told("c1"), Told("c1")], []));
    }

    [Fact]
    public void A_lost_and_duplicated_call_counts_in_both()
    {
        // Told two outcomes but nothing recorded.
        var result = Reconciliation.Reconcile([Told("c1", CallOutcome.Completed, CallOutcome.Abandoned)], []);

        Assert.Equal((1, 1), (result.Lost, result.Duplicated));
    }
}
