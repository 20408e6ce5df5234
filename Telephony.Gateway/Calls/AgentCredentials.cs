using CallCenter.Agents;
using CallCenter.Telephony.Gateway.Hosting;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// Agents' phones register with the agent id as the SIP user. Only agents the center knows (a
/// configured profile) may register; the password comes from the gateway's settings. Supervisors' phones
/// (<see cref="GatewayOptions.Supervisors"/>) register with their own passwords.
/// </summary>
public sealed class AgentCredentials(IGrainFactory grains, GatewayOptions options, ILogger<AgentCredentials> logger) : ICredentialStore
{
    public async ValueTask<string?> GetPasswordAsync(string user, CancellationToken ct)
    {
        if (!IsAgentId(user))
        {
            return null;
        }
        if (options.Supervisors.TryGetValue(user, out var supervisorPassword))
        {
            return supervisorPassword;
        }
        try
        {
            var snapshot = await grains.GetAgent(user).GetSnapshot();
            return snapshot.Profile is null ? null : options.PasswordOf(user);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            logger.LogWarning(ex, "Could not check agent {AgentId} for its phone's registration", user);
            return null;
        }
    }

    /// <summary>Agent ids are short tokens; anything else in a REGISTER's user part is not an agent.</summary>
    public static bool IsAgentId(string user) =>
        user.Length is > 0 and <= 64 && user.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
