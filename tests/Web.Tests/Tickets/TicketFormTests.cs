using System.Collections.Immutable;
using System.Security.Claims;
using Bunit;
using CallCenter.Hosting;
using CallCenter.Security;
using CallCenter.Tickets;
using CallCenter.Web.Security;
using CallCenter.Web.Tickets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace CallCenter.Web.Tests.Tickets;

/// <summary>The ticket form (bUnit, real grains in an in-process cluster): a ticket from a call links the call's recording and IVR data; a blank form creates nothing.</summary>
public sealed class TicketFormTests : BunitContext, IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((options, silo) => silo.AddCallCenter());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await _cluster.Client.GetTicketOrganization().Configure(DemoTicketOrganization.Departments(DemoTicketOrganization.CenterId), []);
        Services.AddSingleton<IGrainFactory>(_cluster.Client);
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(Options.Create(new TicketDeskOptions()));
        Services.AddSingleton(sp => new AuditTrail(_cluster.Client, TimeProvider.System, NullLogger<AuditTrail>.Instance));
        Services.AddSingleton(sp => new TicketDesk(_cluster.Client, sp.GetRequiredService<IOptions<TicketDeskOptions>>(), sp.GetRequiredService<AuditTrail>(), NullLogger<TicketDesk>.Instance));
        Services.AddSingleton(new ClientAddress { Value = "127.0.0.1" });
        var authorization = AddAuthorization();
        authorization.SetAuthorized("agent");
        authorization.SetClaims([.. SecurityDirectory.DefaultRolePermissions[Role.Agent].Select(p => new Claim(Permissions.ClaimType, p.ToString()))]);
    }

    async Task IAsyncLifetime.DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_ticket_from_a_call_carries_the_calls_recording_and_ivr_data()
    {
        var call = new CallLink("c-42", "/var/recordings/c-42.wav", ImmutableDictionary<string, string>.Empty.Add("account", "88001234"));
        var form = Render<TicketForm>(p => p.Add(f => f.Call, call).Add(f => f.CallerNumber, "13800001234"));
        // The form loads the ticket flows after its first render and renders again: wait for that, or a change can hit a handler that is gone.
        form.WaitForElement("[data-test=ticket-form][data-ready]", TimeSpan.FromSeconds(30));
        Assert.Equal("13800001234", form.Find("[data-test=ticket-customer-number]").GetAttribute("value"));
        Assert.Contains("recording /var/recordings/c-42.wav", form.Find("[data-test=ticket-call-link]").TextContent, StringComparison.Ordinal);

        form.Find("[data-test=ticket-category]").Change(nameof(TicketCategory.Repair));
        form.Find("[data-test=ticket-title]").Change("Meter reading wrong");
        await form.Find("[data-test=ticket-create]").ClickAsync(new());
        form.WaitForElement("[data-test=ticket-created]", TimeSpan.FromSeconds(30));

        var ticket = await _cluster.Client.GetTicket("call-c-42").Get();
        Assert.NotNull(ticket);
        Assert.Equal(TicketSource.Call, ticket.Draft.Source);
        Assert.Equal("c-42", ticket.Draft.CallId);
        Assert.Equal("/var/recordings/c-42.wav", ticket.Draft.RecordingPath);
        Assert.Equal("88001234", ticket.Draft.IvrData["account"]);
        Assert.Equal(TicketCategory.Repair, ticket.Draft.Category);
        Assert.Equal("agent", ticket.Draft.CreatedBy);
    }

    [Fact]
    public async Task A_form_without_a_title_says_so_and_creates_nothing()
    {
        var call = new CallLink("c-43", null, ImmutableDictionary<string, string>.Empty);
        var form = Render<TicketForm>(p => p.Add(f => f.Call, call).Add(f => f.CallerNumber, "13800001234"));
        form.WaitForElement("[data-test=ticket-form][data-ready]", TimeSpan.FromSeconds(30));
        await form.Find("[data-test=ticket-create]").ClickAsync(new());
        Assert.Contains("needs a title", form.Find("[data-test=ticket-error]").TextContent, StringComparison.Ordinal);
        Assert.Null(await _cluster.Client.GetTicket("call-c-43").Get());
    }
}
