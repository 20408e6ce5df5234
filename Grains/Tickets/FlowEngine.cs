namespace CallCenter.Tickets;

/// <summary>
/// Advances a ticket through a flow defined as data (TKT-2). Serial steps take their assignees in
/// order; parallel steps take them in any order; countersign steps need every signature and start
/// over on a refusal. Whoever is not a pending assignee of the current step cannot act.
/// </summary>
public static class FlowEngine
{
    public static FlowProgress Start(FlowDefinition definition)
    {
        if (definition.Steps.IsDefaultOrEmpty)
        {
            throw new ArgumentException($"Flow '{definition.Id}' has no steps.", nameof(definition));
        }
        foreach (var step in definition.Steps)
        {
            if (step.Assignees.IsDefaultOrEmpty)
            {
                throw new ArgumentException($"Step '{step.Name}' of flow '{definition.Id}' has no assignees.", nameof(definition));
            }
        }
        return new FlowProgress(definition, 0, []);
    }

    public static bool Matches(FlowAssignee assignee, TicketActor actor) => assignee.Matches(actor);

    /// <summary>Null when the actor may act on the current step now, otherwise why not.</summary>
    public static string? Check(FlowProgress progress, TicketActor actor, bool approve)
    {
        if (progress.Finished)
        {
            return "the ticket's flow is finished";
        }
        var step = progress.Definition.Steps[progress.StepIndex];
        if (!approve && step.Mode != FlowStepMode.Countersign)
        {
            return $"step '{step.Name}' is {step.Mode}: only countersign steps can be refused";
        }
        return PendingIndex(progress, actor) is null
            ? $"{actor.PersonId} ({actor.DepartmentId}) is not a pending assignee of step '{step.Name}'"
            : null;
    }

    public static FlowProgress Act(FlowProgress progress, TicketActor actor, bool approve)
    {
        if (Check(progress, actor, approve) is { } reason)
        {
            throw new IllegalTicketActionException(reason);
        }
        var step = progress.Definition.Steps[progress.StepIndex];
        if (!approve)
        {
            return progress with { Done = [] };
        }
        var done = progress.Done.Add(PendingIndex(progress, actor)!.Value);
        return done.Length == step.Assignees.Length
            ? progress with { StepIndex = progress.StepIndex + 1, Done = [] }
            : progress with { Done = done };
    }

    private static int? PendingIndex(FlowProgress progress, TicketActor actor) => progress.PendingIndexOf(actor);
}
