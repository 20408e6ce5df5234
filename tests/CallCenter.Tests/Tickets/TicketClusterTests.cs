using CallCenter.Hosting;
using CallCenter.Tickets;
using CallCenter.Time;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using static CallCenter.Tests.Tickets.TicketTestOrganization;

namespace CallCenter.Tests.Tickets;

/// <summary>
/// Ticket grains on an in-process cluster with memory storage and reminders. The center's clock is
/// a FakeTimeProvider (deadline checks are driven as a reminder tick would drive them) or a scaled
/// clock (the grain's own timer must raise the alerts with nothing nudging it).
/// </summary>
public sealed class TicketClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static async Task<InProcessTestCluster> StartCluster(TimeProvider time)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(new CallCenterClock(time));
            silo.AddCallCenter();
            silo.Services.Configure<TicketOptions>(o =>
            {
                o.HandlingMinutes[TicketCategory.Complaint] = 100;
                o.HandlingMinutes[TicketCategory.Consultation] = 10;
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        await cluster.Client.GetTicketOrganization().Configure(Departments, []);
        return cluster;
    }

    private static int Count(IEnumerable<TicketEvent> events, TicketEventKind kind) => events.Count(e => e.Kind == kind);

    [Fact]
    public async Task Warning_and_escalation_reach_the_inboxes_once_however_often_the_deadline_is_checked()
    {
        var time = new FakeTimeProvider(Monday);
        await using var cluster = await StartCluster(time);
        var grains = cluster.Client;
        var ticket = grains.GetTicket("42");
        await ticket.Create(Draft());
        await ticket.Act(Actor("center"), new Dispatch("water"));
        await ticket.Act(Actor("water"), new Dispatch("water-north", "plumber-3"));

        var inbox = await grains.GetPersonInbox("plumber-3").View();
        Assert.Equal((1, 0), (inbox.Total, inbox.OverdueCount));
        Assert.Equal(TimeSpan.FromMinutes(100), inbox.Items[0].RemainingBusinessTime);
        Assert.Contains(inbox.Notifications, n => n.Kind == InboxNotificationKind.Arrived);

        time.Advance(TimeSpan.FromMinutes(80));
        for (var tick = 0; tick < 3; tick++) await ticket.CheckDeadline();
        inbox = await grains.GetPersonInbox("plumber-3").View();
        Assert.Single(inbox.Notifications, n => n.Kind == InboxNotificationKind.Warning);
        Assert.Equal((1, 0), (inbox.WarnedCount, inbox.OverdueCount));

        time.Advance(TimeSpan.FromMinutes(21));
        for (var tick = 0; tick < 3; tick++) await ticket.CheckDeadline();
        var events = await ticket.Events();
        Assert.Equal((1, 1), (Count(events, TicketEventKind.Warned), Count(events, TicketEventKind.Escalated)));
        foreach (var owner in new[] { GrainKeysFor.Person("water-north-head"), GrainKeysFor.Person("supervisor"), GrainKeysFor.Department("water-north") })
        {
            var view = await grains.GetGrain<IInboxGrain>(owner).View();
            Assert.Single(view.Notifications, n => n.Kind == InboxNotificationKind.Escalation);
        }
        var department = await grains.GetDepartmentInbox("water-north").View();
        Assert.Equal(1, department.OverdueCount);
        Assert.True(department.Items[0].RemainingBusinessTime < TimeSpan.Zero);
        Assert.False((await ticket.Get())!.OnTime);
    }

    [Fact]
    public async Task A_deadline_that_passed_while_the_ticket_was_deactivated_escalates_once_on_reactivation()
    {
        var time = new FakeTimeProvider(Monday);
        await using var cluster = await StartCluster(time);
        var grains = cluster.Client;
        var ticket = grains.GetTicket("7");
        await ticket.Create(Draft(TicketCategory.Consultation));
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        time.Advance(TimeSpan.FromMinutes(30));
        // Any call reactivates the ticket; activation alone raises what fell due meanwhile.
        var reactivated = await ticket.Get();
        Assert.True(reactivated!.Deadline!.Escalated);
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await ticket.CheckDeadline();
        var events = await ticket.Events();
        Assert.Equal(1, Count(events, TicketEventKind.Escalated));
        Assert.Equal(0, Count(events, TicketEventKind.Warned));
        var supervisor = await grains.GetPersonInbox("supervisor").View();
        Assert.Single(supervisor.Notifications, n => n.Kind == InboxNotificationKind.Escalation);
    }

    [Fact]
    public async Task The_grain_timer_raises_the_warning_and_the_escalation_on_its_own()
    {
        // 60x: the 10 business minutes of a consultation pass in ten seconds of wall time, and the
        // warning's window (the last 20%, 2 business minutes) lasts two: a tick that a stalled machine
        // delays past the deadline rightly escalates without warning, so the window must outlast stalls.
        var time = new ScaledTimeProvider(Monday, 60);
        await using var cluster = await StartCluster(time);
        var ticket = cluster.Client.GetTicket("timer");
        var created = await ticket.Create(Draft(TicketCategory.Consultation));
        var deadline = DateTime.UtcNow + Patience;
        while (!(await ticket.Get())!.Deadline!.Escalated && DateTime.UtcNow < deadline) await Task.Delay(100);
        var events = await ticket.Events();
        Assert.Equal(1, Count(events, TicketEventKind.Escalated));
        Assert.Equal(1, Count(events, TicketEventKind.Warned));
        var escalated = events.Single(e => e.Kind == TicketEventKind.Escalated);
        Assert.True(escalated.At >= created.Deadline!.DueAt, "escalated before the deadline");
    }

    [Fact]
    public async Task An_illegal_action_is_a_clear_error_and_changes_nothing()
    {
        var time = new FakeTimeProvider(Monday);
        await using var cluster = await StartCluster(time);
        var ticket = cluster.Client.GetTicket("9");
        await ticket.Create(Draft(TicketCategory.Consultation));
        var error = await Assert.ThrowsAsync<IllegalTicketActionException>(() => ticket.Act(Actor("water"), new Dispatch("water-north")));
        Assert.Contains("does not hold", error.Message);
        Assert.Single(await ticket.Events());
        await Assert.ThrowsAsync<IllegalTicketActionException>(() => ticket.Create(Draft() with { Title = "Other" }));
        Assert.Equal(TicketCategory.Consultation, (await ticket.Get())!.Draft.Category);
    }

    [Fact]
    public async Task A_call_becomes_a_closed_surveyed_ticket()
    {
        var time = new FakeTimeProvider(Monday);
        await using var cluster = await StartCluster(time);
        var grains = cluster.Client;
        var record = new CallCenter.Calls.CallDetailRecord
        {
            CallId = "c-1001",
            CallerNumber = "+8613800000001",
            Service = "12345",
            ArrivedAt = Monday,
            EndedAt = Monday.AddMinutes(1),
            Outcome = CallCenter.Calls.CallOutcome.Abandoned,
        };
        var callback = await grains.CreateCallbackTicket(record, "center");
        Assert.NotNull(callback);
        Assert.Null(await grains.CreateCallbackTicket(record with { CallerNumber = "anonymous" }, "center"));
        Assert.Equal(callback!.Id, (await grains.CreateCallbackTicket(record, "center"))!.Id);

        var fromCall = await grains.CreateTicketFromCall("c-2002", "/var/spool/recordings/c-2002.wav",
            System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("menu", "2"), Draft(TicketCategory.Repair));
        Assert.Equal(("c-2002", TicketSource.Call), (fromCall.Draft.CallId, fromCall.Draft.Source));
        var ticket = grains.GetTicket(fromCall.Id);
        await ticket.Act(Actor("center"), new Dispatch("water"));
        await ticket.Act(Actor("water"), new SendReply(new TicketReply("Meter replaced", null, "Water bureau")));
        await ticket.Act(Actor("center"), new CloseTicket("phone", "Your meter was replaced."));
        var surveyed = await ticket.Act(Actor("center"), new RecordSurvey(true, 5));
        Assert.Equal(TicketStatus.Surveyed, surveyed.Status);
        Assert.Equal(0, (await grains.GetDepartmentInbox("water").View()).Total);
    }

    private static class GrainKeysFor
    {
        public static string Person(string id) => TicketGrainKeys.PersonInboxPrefix + id;
        public static string Department(string id) => TicketGrainKeys.DepartmentInboxPrefix + id;
    }
}
