using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Calls;

/// <summary>
/// The trunk click-to-dial calls customers through (<c>CallCenter:Gateway:Trunk</c>): a SIP URI template such as
/// <c>sip:{number}@127.0.0.1:5080</c> whose <c>{number}</c> becomes the dialled number. The host is an IP address (the
/// gateway resolves no names); <c>;transport=tcp</c> selects TCP, UDP otherwise.
/// </summary>
public static class OutboundTrunk
{
    public const string NumberPlaceholder = "{number}";

    /// <summary>Null when <paramref name="template"/> is a usable trunk; otherwise what is wrong with it.</summary>
    public static string? Check(string template)
    {
        if (!template.Contains(NumberPlaceholder, StringComparison.Ordinal))
        {
            return $"'{template}' has no {NumberPlaceholder} placeholder";
        }
        try
        {
            _ = AddressFor(template, "100");
            return null;
        }
        catch (FormatException ex)
        {
            return $"'{template}' is not a SIP URI with an IP address host: {ex.Message}";
        }
    }

    /// <summary>Where to INVITE <paramref name="number"/>. Throws <see cref="FormatException"/> for a template that is no SIP URI with an IP host.</summary>
    public static CustomerAddress AddressFor(string template, string number)
    {
        if (!SipUri.TryParse(template.Replace(NumberPlaceholder, number, StringComparison.Ordinal), out var uri) || uri is null || uri.Scheme == SipUriScheme.Tel)
        {
            throw new FormatException("not a sip: URI");
        }
        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            throw new FormatException($"host '{uri.Host}' is not an IP address");
        }
        var transport = string.Equals(uri.Transport, "tcp", StringComparison.OrdinalIgnoreCase) ? SipTransportProtocol.Tcp : SipTransportProtocol.Udp;
        return new CustomerAddress(uri, new IPEndPoint(address, uri.EffectivePort), transport);
    }
}
