using System.Collections.Immutable;

namespace CallCenter.Tickets;

public sealed class TicketOrganizationGrain(
    [PersistentState("ticket-organization", TicketSiloExtensions.StorageName)] IPersistentState<TicketOrganizationState> state)
    : Grain, ITicketOrganizationGrain
{
    public async Task Configure(ImmutableArray<Department> departments, ImmutableArray<FlowDefinition> flows)
    {
        _ = new Organization(departments.IsDefault ? [] : departments);
        if (!departments.IsDefault && departments.Count(d => d.Level == DepartmentLevel.Center) != 1)
        {
            throw new ArgumentException("The organization needs exactly one center.", nameof(departments));
        }
        flows = flows.IsDefault ? [] : flows;
        foreach (var flow in flows)
        {
            _ = FlowEngine.Start(flow);
        }
        if (flows.Select(f => f.Id).Distinct().Count() != flows.Length)
        {
            throw new ArgumentException("Two flows share an id.", nameof(flows));
        }
        state.State.Departments = departments;
        state.State.Flows = flows;
        await state.WriteStateAsync();
    }

    public Task<TicketOrganizationSnapshot> Get() => Task.FromResult(new TicketOrganizationSnapshot(state.State.Departments, state.State.Flows));
}
