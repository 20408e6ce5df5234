namespace CallCenter.Telephony.Gateway;

/// <summary>Marks the gateway assembly (the SIP media gateway: media, SIP user agent, IVR, call control).</summary>
public static class GatewayAssembly;
