using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallCenter.Web.Tickets;

public static class TicketWebExtensions
{
    /// <summary>The ticket screens' services: desk options (validated at start-up), the desk, the inbox feed and, in the demo, a small organization.</summary>
    public static WebApplicationBuilder AddTicketScreens(this WebApplicationBuilder builder, WebOptions web)
    {
        builder.Services.AddOptions<TicketDeskOptions>().BindConfiguration(TicketDeskOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TicketDeskOptions>, TicketDeskOptionsValidator>();
        builder.Services.AddSingleton<TicketDesk>();
        builder.Services.AddSingleton<TicketInboxFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TicketInboxFeed>());
        var desks = builder.Configuration.GetSection(TicketDeskOptions.Section).Get<TicketDeskOptions>() ?? new TicketDeskOptions();
        if (desks.SeedDemoOrganization ?? web.SeedDemoUsers)
        {
            builder.Services.AddHostedService<DemoTicketOrganization>();
        }
        return builder;
    }

    private sealed class TicketDeskOptionsValidator : IValidateOptions<TicketDeskOptions>
    {
        public ValidateOptionsResult Validate(string? name, TicketDeskOptions options) =>
            options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
