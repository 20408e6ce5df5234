using System.Net;
using CallCenter.Telephony.Gateway.Sip;

namespace CallCenter.Telephony.Gateway.Tests.Sip.Support;

internal sealed class TestCredentials(params (string User, string Password)[] users) : ICredentialStore
{
    private readonly Dictionary<string, string> _passwords = users.ToDictionary(u => u.User, u => u.Password, StringComparer.Ordinal);

    public ValueTask<string?> GetPasswordAsync(string user, CancellationToken ct) =>
        ValueTask.FromResult(_passwords.TryGetValue(user, out var password) ? password : null);
}
