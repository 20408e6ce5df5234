using System.Collections.Immutable;
using System.Security.Claims;
using CallCenter.Acd;
using CallCenter.Agents;
using CallCenter.Calls;
using CallCenter.Stats;
using CallCenter.Web.Security;
using CallCenter.Web.Shared;
using CallCenter.Web.Supervisor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CallCenter.Web.Api;

/// <summary>One endpoint of the integration API: its method, route pattern and policy, and a concrete path the route walk can call.</summary>
public sealed record ApiRoute(string Method, string Pattern, string Policy, string SamplePath);

/// <summary>
/// The REST API for integrations (issue 5, item 7) under <c>/api/v1</c>: live calls, agents, queues
/// and statistics. Errors are RFC 9457 problem details: 400 with the validation messages for bad
/// input (nothing changes), 404 for an unknown id, 409 when the agent's state machine refuses.
/// Every endpoint is authorised by a permission of the directory's table.
/// </summary>
public static class IntegrationApi
{
    public const string Prefix = "/api/v1";

    /// <summary>An id that names no agent, queue, call or region: the route walk calls commands on it, so walking changes nothing.</summary>
    public const string WalkId = "route-walk-none";

    /// <summary>Every endpoint with its policy; the route walk calls each sample path as every role.</summary>
    public static readonly IReadOnlyList<ApiRoute> Routes =
    [
        new("GET", $"{Prefix}/calls", Permissions.ViewConsole, $"{Prefix}/calls"),
        new("GET", $"{Prefix}/calls/{{callId}}", Permissions.ViewConsole, $"{Prefix}/calls/{WalkId}"),
        new("GET", $"{Prefix}/agents", Permissions.ViewConsole, $"{Prefix}/agents"),
        new("GET", $"{Prefix}/agents/{{agentId}}", Permissions.ViewConsole, $"{Prefix}/agents/{WalkId}"),
        new("POST", $"{Prefix}/agents/{{agentId}}/not-ready", Permissions.ForceAgentState, $"{Prefix}/agents/{WalkId}/not-ready"),
        new("POST", $"{Prefix}/agents/{{agentId}}/ready", Permissions.ForceAgentState, $"{Prefix}/agents/{WalkId}/ready"),
        new("POST", $"{Prefix}/agents/{{agentId}}/logout", Permissions.ForceAgentState, $"{Prefix}/agents/{WalkId}/logout"),
        new("PUT", $"{Prefix}/agents/{{agentId}}/queues/{{queueId}}", Permissions.ConfigureQueues, $"{Prefix}/agents/{WalkId}/queues/{WalkId}"),
        new("DELETE", $"{Prefix}/agents/{{agentId}}/queues/{{queueId}}", Permissions.ConfigureQueues, $"{Prefix}/agents/{WalkId}/queues/{WalkId}"),
        new("GET", $"{Prefix}/queues", Permissions.ViewConsole, $"{Prefix}/queues"),
        new("GET", $"{Prefix}/queues/{{queueId}}", Permissions.ViewConsole, $"{Prefix}/queues/{WalkId}"),
        new("PUT", $"{Prefix}/queues/{{queueId}}/settings", Permissions.ConfigureQueues, $"{Prefix}/queues/{WalkId}/settings"),
        new("GET", $"{Prefix}/statistics", Permissions.ViewWallboard, $"{Prefix}/statistics"),
        new("GET", $"{Prefix}/statistics/regions/{{regionId}}", Permissions.ViewWallboard, $"{Prefix}/statistics/regions/{WalkId}"),
        new("GET", $"{Prefix}/statistics/queues/{{queueId}}", Permissions.ViewWallboard, $"{Prefix}/statistics/queues/{WalkId}"),
    ];

    public static IEndpointRouteBuilder MapIntegrationApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix).WithTags("Integration API");

        api.MapGet("/calls", ListCalls).RequireAuthorization(Permissions.ViewConsole).WithName("ListCalls")
            .WithSummary("Calls at agents now (ringing, connected, on hold), the number waiting in each queue, and the waiting calls in offer order (up to 200 per queue).");
        api.MapGet("/calls/{callId}", GetCall).RequireAuthorization(Permissions.ViewConsole).WithName("GetCall");

        api.MapGet("/agents", ListAgents).RequireAuthorization(Permissions.ViewConsole).WithName("ListAgents");
        api.MapGet("/agents/{agentId}", GetAgent).RequireAuthorization(Permissions.ViewConsole).WithName("GetAgent");
        api.MapPost("/agents/{agentId}/not-ready", ForceNotReady).RequireAuthorization(Permissions.ForceAgentState).WithName("ForceAgentNotReady");
        api.MapPost("/agents/{agentId}/ready", MakeReady).RequireAuthorization(Permissions.ForceAgentState).WithName("MakeAgentReady");
        api.MapPost("/agents/{agentId}/logout", ForceLogout).RequireAuthorization(Permissions.ForceAgentState).WithName("ForceAgentLogout");
        api.MapPut("/agents/{agentId}/queues/{queueId}", SetQueueMembership).RequireAuthorization(Permissions.ConfigureQueues).WithName("SetAgentQueue")
            .WithSummary("Adds the agent to the queue (or changes its level) live.");
        api.MapDelete("/agents/{agentId}/queues/{queueId}", RemoveQueueMembership).RequireAuthorization(Permissions.ConfigureQueues).WithName("RemoveAgentQueue")
            .WithSummary("Removes the agent from the queue live.");

        api.MapGet("/queues", ListQueues).RequireAuthorization(Permissions.ViewConsole).WithName("ListQueues");
        api.MapGet("/queues/{queueId}", GetQueue).RequireAuthorization(Permissions.ViewConsole).WithName("GetQueue");
        api.MapPut("/queues/{queueId}/settings", ChangeQueueSettings).RequireAuthorization(Permissions.ConfigureQueues).WithName("ChangeQueueSettings")
            .WithSummary("Changes a queue's live settings; fields left out keep their value.");

        api.MapGet("/statistics", CenterStatistics).RequireAuthorization(Permissions.ViewWallboard).WithName("CenterStatistics");
        api.MapGet("/statistics/regions/{regionId}", RegionStatistics).RequireAuthorization(Permissions.ViewWallboard).WithName("RegionStatistics");
        api.MapGet("/statistics/queues/{queueId}", QueueStatisticsOf).RequireAuthorization(Permissions.ViewWallboard).WithName("QueueStatistics");
        return endpoints;
    }

    private static async Task<Results<Ok<LiveCalls>, ProblemHttpResult>> ListCalls(LiveCenterFeed feed, IGrainFactory grains)
    {
        if (feed.Current is not { } view)
        {
            return NotYet();
        }
        var busy = view.Agents.Values.Where(a => a.State is AgentState.Reserved or AgentState.OnCall or AgentState.OnHold).Select(a => a.AgentId);
        var agents = await Task.WhenAll(busy.Select(id => grains.GetAgent(id).GetSnapshot()));
        var calls = await Task.WhenAll(agents.Select(a => a.CallId).OfType<string>().Distinct(StringComparer.Ordinal).Select(id => grains.GetCall(id).GetSnapshot()));
        // Only queues whose last figures show callers waiting are asked; the lists are read where the calls wait.
        var waiting = await Task.WhenAll(view.Statistics.Queues.Where(q => q.Value.CallsWaiting > 0).OrderBy(q => q.Key, StringComparer.Ordinal)
            .Select(q => grains.GetQueue(q.Key).GetWaitingCalls(LiveCalls.WaitingListedPerQueue)));
        return TypedResults.Ok(new LiveCalls(
            [.. calls.Where(c => c.Outcome is null).Select(CallView.From).OrderBy(c => c.CallId, StringComparer.Ordinal)],
            view.Statistics.Queues.ToImmutableDictionary(q => q.Key, q => q.Value.CallsWaiting, StringComparer.Ordinal),
            [.. waiting.SelectMany(w => w)]));
    }

    private static async Task<Results<Ok<CallView>, ProblemHttpResult>> GetCall(string callId, IGrainFactory grains)
    {
        if (ApiInput.IdProblem("callId", callId) is { } bad)
        {
            return bad;
        }
        var call = await grains.GetCall(callId).GetSnapshot();
        // A call grain that never started (or ended and forgot) reports New with no record.
        return call.State == CallState.New && call.Record is null ? ApiInput.NotFound("call", callId) : TypedResults.Ok(CallView.From(call));
    }

    private static async Task<Results<Ok<ImmutableArray<AgentView>>, ProblemHttpResult>> ListAgents(LiveCenterFeed feed, IGrainFactory grains)
    {
        if (feed.Current is not { } view)
        {
            return NotYet();
        }
        var agents = await Task.WhenAll(view.Agents.Keys.Select(id => grains.GetAgent(id).GetSnapshot()));
        return TypedResults.Ok(agents.Select(AgentView.From).OrderBy(a => a.AgentId, StringComparer.Ordinal).ToImmutableArray());
    }

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> GetAgent(string agentId, IGrainFactory grains)
    {
        var (agent, problem) = await FindAgent(agentId, grains);
        return agent is null ? problem! : TypedResults.Ok(AgentView.From(agent));
    }

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> ForceNotReady(
        string agentId, NotReadyCommand? command, IGrainFactory grains, AuditTrail audit, HttpContext context)
    {
        var reason = string.IsNullOrWhiteSpace(command?.Reason) ? "supervisor" : command.Reason.Trim();
        if (reason.Length > ApiInput.MaxReasonLength)
        {
            return ApiInput.Invalid("reason", $"The reason is at most {ApiInput.MaxReasonLength} characters.");
        }
        return await AgentCommand(agentId, grains, audit, context, "force-not-ready", reason, agent => agent.SetNotReady(reason));
    }

    private static Task<Results<Ok<AgentView>, ProblemHttpResult>> MakeReady(string agentId, IGrainFactory grains, AuditTrail audit, HttpContext context) =>
        AgentCommand(agentId, grains, audit, context, "make-ready", null, agent => agent.SetReady());

    private static Task<Results<Ok<AgentView>, ProblemHttpResult>> ForceLogout(string agentId, IGrainFactory grains, AuditTrail audit, HttpContext context) =>
        AgentCommand(agentId, grains, audit, context, "force-logout", null, agent => agent.Logout());

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> AgentCommand(
        string agentId, IGrainFactory grains, AuditTrail audit, HttpContext context, string action, string? detail, Func<IAgentGrain, Task> command)
    {
        if (await FindAgent(agentId, grains) is (null, var problem))
        {
            return problem!;
        }
        var agent = grains.GetAgent(agentId);
        try
        {
            await command(agent);
        }
        catch (InvalidOperationException ex)
        {
            // The agent's state machine refused (an agent on a call cannot log out): nothing changed.
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "The agent's state does not allow this.");
        }
        await audit.RecordAsync(context.User, AddressOf(context), action, GrainKeys.Agent(agentId), detail);
        return TypedResults.Ok(AgentView.From(await agent.GetSnapshot()));
    }

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> SetQueueMembership(
        string agentId, string queueId, QueueMembershipChange? change, IGrainFactory grains, AuditTrail audit, HttpContext context)
    {
        var level = change?.Level ?? 1;
        if (level is < 1 or > AgentQueueMove.MaxLevel)
        {
            return ApiInput.Invalid("level", $"The membership level is between 1 (primary) and {AgentQueueMove.MaxLevel}.");
        }
        return await MembershipCommand(agentId, queueId, grains, audit, context, "add-to-queue", $"level {level}",
            agent => agent.SetQueueMembership(queueId, level));
    }

    private static Task<Results<Ok<AgentView>, ProblemHttpResult>> RemoveQueueMembership(
        string agentId, string queueId, IGrainFactory grains, AuditTrail audit, HttpContext context) =>
        MembershipCommand(agentId, queueId, grains, audit, context, "remove-from-queue", null, agent => agent.RemoveQueueMembership(queueId));

    private static async Task<Results<Ok<AgentView>, ProblemHttpResult>> MembershipCommand(
        string agentId, string queueId, IGrainFactory grains, AuditTrail audit, HttpContext context, string action, string? detail,
        Func<IAgentGrain, Task<AgentProfile>> command)
    {
        if (await FindAgent(agentId, grains) is (null, var problem))
        {
            return problem!;
        }
        if (await FindQueue(queueId, grains) is (null, var queueProblem))
        {
            return queueProblem!;
        }
        var agent = grains.GetAgent(agentId);
        try
        {
            await command(agent);
        }
        catch (ArgumentException ex)
        {
            return ApiInput.Invalid("queueId", ex.Message);
        }
        await audit.RecordAsync(context.User, AddressOf(context), action, GrainKeys.Agent(agentId), detail is null ? GrainKeys.Queue(queueId) : $"{GrainKeys.Queue(queueId)} {detail}");
        return TypedResults.Ok(AgentView.From(await agent.GetSnapshot()));
    }

    private static async Task<Results<Ok<ImmutableArray<QueueView>>, ProblemHttpResult>> ListQueues(LiveCenterFeed feed, IGrainFactory grains)
    {
        if (feed.Current is not { } view)
        {
            return NotYet();
        }
        var settings = await Task.WhenAll(view.Statistics.Queues.Keys.Select(id => grains.GetQueue(id).GetSettings()));
        return TypedResults.Ok(settings.OfType<QueueSettings>()
            .Select(s => QueueView.From(s, view.Statistics.Queues.GetValueOrDefault(s.Id)))
            .OrderBy(q => q.QueueId, StringComparer.Ordinal).ToImmutableArray());
    }

    private static async Task<Results<Ok<QueueView>, ProblemHttpResult>> GetQueue(string queueId, IGrainFactory grains, LiveCenterFeed feed)
    {
        var (settings, problem) = await FindQueue(queueId, grains);
        return settings is null ? problem! : TypedResults.Ok(QueueView.From(settings, feed.Current?.Statistics.Queues.GetValueOrDefault(queueId)));
    }

    private static async Task<Results<Ok<QueueView>, ProblemHttpResult>> ChangeQueueSettings(
        string queueId, QueueSettingsChange? change, IGrainFactory grains, LiveCenterFeed feed, AuditTrail audit, HttpContext context)
    {
        var (current, problem) = await FindQueue(queueId, grains);
        if (current is null)
        {
            return problem!;
        }
        if (change is null)
        {
            return ApiInput.Invalid("body", "A JSON body with the settings to change is required.");
        }
        var known = (feed.Current?.Statistics.Queues.Keys ?? []).Append(queueId).ToHashSet(StringComparer.Ordinal);
        if (change.OverflowTarget is { Length: > 0 } target && !known.Contains(target) && await grains.GetQueue(target).GetSettings() is not null)
        {
            known.Add(target);
        }
        var (settings, errors) = QueueSettingsRequest.Apply(current, change, known);
        if (settings is null)
        {
            return TypedResults.Problem(ApiInput.ValidationProblem(errors));
        }
        await grains.GetQueue(queueId).Configure(settings);
        await audit.RecordAsync(context.User, AddressOf(context), "configure-queue", GrainKeys.Queue(queueId), QueueSettingsEdit.Describe(current, settings));
        return TypedResults.Ok(QueueView.From(settings, feed.Current?.Statistics.Queues.GetValueOrDefault(queueId)));
    }

    private static Results<Ok<ScopeStatistics>, ProblemHttpResult> CenterStatistics(LiveCenterFeed feed) =>
        feed.Current is { } view ? TypedResults.Ok(view.Statistics.Center) : NotYet();

    private static Results<Ok<ScopeStatistics>, ProblemHttpResult> RegionStatistics(string regionId, LiveCenterFeed feed)
    {
        if (ApiInput.IdProblem("regionId", regionId) is { } bad)
        {
            return bad;
        }
        if (feed.Current is not { } view)
        {
            return NotYet();
        }
        return view.Statistics.Regions.TryGetValue(regionId, out var region) ? TypedResults.Ok(region) : ApiInput.NotFound("region", regionId);
    }

    private static Results<Ok<QueueStatistics>, ProblemHttpResult> QueueStatisticsOf(string queueId, LiveCenterFeed feed)
    {
        if (ApiInput.IdProblem("queueId", queueId) is { } bad)
        {
            return bad;
        }
        if (feed.Current is not { } view)
        {
            return NotYet();
        }
        return view.Statistics.Queues.TryGetValue(queueId, out var queue) ? TypedResults.Ok(queue) : ApiInput.NotFound("queue", queueId);
    }

    private static async Task<(AgentSnapshot? Agent, ProblemHttpResult? Problem)> FindAgent(string agentId, IGrainFactory grains)
    {
        if (ApiInput.IdProblem("agentId", agentId) is { } bad)
        {
            return (null, bad);
        }
        var agent = await grains.GetAgent(agentId).GetSnapshot();
        return agent.Profile is null ? (null, ApiInput.NotFound("agent", agentId)) : (agent, null);
    }

    private static async Task<(QueueSettings? Settings, ProblemHttpResult? Problem)> FindQueue(string queueId, IGrainFactory grains)
    {
        if (ApiInput.IdProblem("queueId", queueId) is { } bad)
        {
            return (null, bad);
        }
        var settings = await grains.GetQueue(queueId).GetSettings();
        return settings is null ? (null, ApiInput.NotFound("queue", queueId)) : (settings, null);
    }

    private static ProblemHttpResult NotYet() =>
        TypedResults.Problem("The live figures are not available yet; try again in a second.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static string? AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
