namespace CallCenter.Telephony.Gateway.Sip;

/// <summary>Where the registrar finds the SIP password of an agent phone.</summary>
public interface ICredentialStore
{
    /// <summary>The password of <paramref name="user"/>, or null when the user is unknown (the REGISTER then gets 403).</summary>
    ValueTask<string?> GetPasswordAsync(string user, CancellationToken ct);
}
