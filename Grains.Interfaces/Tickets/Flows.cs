using System.Collections.Immutable;

namespace CallCenter.Tickets;

/// <summary>How a flow step's assignees act (TKT-2).</summary>
public enum FlowStepMode
{
    /// <summary>The assignees act one after another, in the listed order.</summary>
    Serial,
    /// <summary>Every assignee handles its part, in any order; the step is done when all have.</summary>
    Parallel,
    /// <summary>Every assignee must sign the same decision; one refusal clears the signatures and the step starts over.</summary>
    Countersign,
}

public enum FlowAssigneeKind
{
    Role,
    Department,
    Person,
}

/// <summary>Who acts in a step: by role ("legal-review"), department id or person id.</summary>
[GenerateSerializer, Immutable, Alias("tickets.flow-assignee")]
public sealed record FlowAssignee([property: Id(0)] FlowAssigneeKind Kind, [property: Id(1)] string Value)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Value}";

    /// <summary>
    /// Whether <paramref name="actor"/> is this assignee: the person, someone acting for the
    /// department, or someone holding the role (an actor may hold several, comma-separated).
    /// </summary>
    public bool Matches(TicketActor actor) => Kind switch
    {
        FlowAssigneeKind.Person => Value == actor.PersonId,
        FlowAssigneeKind.Department => Value == actor.DepartmentId,
        FlowAssigneeKind.Role => actor.Role is { } roles && roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(Value, StringComparer.Ordinal),
        _ => false,
    };
}

[GenerateSerializer, Immutable, Alias("tickets.flow-step-def")]
public sealed record FlowStep(
    [property: Id(0)] string Name,
    [property: Id(1)] FlowStepMode Mode,
    [property: Id(2)] ImmutableArray<FlowAssignee> Assignees);

/// <summary>A flow defined as data: steps in order.</summary>
[GenerateSerializer, Immutable, Alias("tickets.flow")]
public sealed record FlowDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] ImmutableArray<FlowStep> Steps);

/// <summary>Where a ticket is in its flow: the current step and which of its assignees have acted.</summary>
[GenerateSerializer, Immutable, Alias("tickets.flow-progress")]
public sealed record FlowProgress(
    [property: Id(0)] FlowDefinition Definition,
    [property: Id(1)] int StepIndex,
    [property: Id(2)] ImmutableArray<int> Done)
{
    public bool Finished => StepIndex >= Definition.Steps.Length;

    /// <summary>The step waiting for its assignees, or null once the flow is finished.</summary>
    public FlowStep? CurrentStep => Finished ? null : Definition.Steps[StepIndex];

    /// <summary>
    /// The assignees of the current step who may act now: in a serial step only the next in line,
    /// otherwise everyone who has not acted yet.
    /// </summary>
    public ImmutableArray<int> PendingAssignees => CurrentStep is not { } step ? []
        : step.Mode == FlowStepMode.Serial ? (Done.Length < step.Assignees.Length ? [Done.Length] : [])
        : [.. Enumerable.Range(0, step.Assignees.Length).Where(i => !Done.Contains(i))];

    /// <summary>The first pending assignee <paramref name="actor"/> is, or null when the actor has nothing to do in this step.</summary>
    public int? PendingIndexOf(TicketActor actor) =>
        CurrentStep is { } step && PendingAssignees.Where(i => step.Assignees[i].Matches(actor)).Select(i => (int?)i).FirstOrDefault() is { } index ? index : null;
}
