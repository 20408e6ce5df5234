using System.Net;
using CallCenter.Telephony.Gateway.Sip;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CallCenter.Telephony.Gateway.Tests.Sip.Support;

/// <summary>Two user agents ("gateway" and "phone") on one in-memory network and one fake clock.</summary>
internal sealed class AgentPair : IAsyncDisposable
{
    private AgentPair(SipTransportProtocol protocol, Action<SipUserAgentOptions>? configure)
    {
        Protocol = protocol;
        Gateway = CreateAgent(configure);
        Phone = CreateAgent(configure);
    }

    public static async Task<AgentPair> StartAsync(SipTransportProtocol protocol = SipTransportProtocol.Udp, Action<SipUserAgentOptions>? configure = null)
    {
        var pair = new AgentPair(protocol, configure);
        await pair.Gateway.StartAsync(CancellationToken.None);
        await pair.Phone.StartAsync(CancellationToken.None);
        return pair;
    }

    public InMemorySipNetwork Network { get; } = new();

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public SipTransportProtocol Protocol { get; }

    /// <summary>Used by property tests to bound how long they wait for background work to settle.</summary>
    public int SettleAttempts { get; set; }

    public SipUserAgent Gateway { get; }

    public SipUserAgent Phone { get; }

    public static SipUserAgentOptions Options(Action<SipUserAgentOptions>? configure)
    {
        var options = new SipUserAgentOptions { Port = 0 };
        configure?.Invoke(options);
        return options;
    }

    public IPEndPoint EndPointOf(SipUserAgent agent) => Protocol == SipTransportProtocol.Udp ? agent.UdpEndPoint : agent.TcpEndPoint;

    /// <summary>The phone calls the gateway.</summary>
    public OutgoingCall PhoneCallsGateway(string called = "queue-sales") => Phone.Invite(Request(Gateway, called, "agent1"));

    /// <summary>The gateway calls the phone.</summary>
    public OutgoingCall GatewayCallsPhone(string called = "agent1") => Gateway.Invite(Request(Phone, called, "gateway"));

    public OutgoingCallRequest Request(SipUserAgent to, string user, string fromUser)
    {
        var destination = EndPointOf(to);
        var target = new SipUri { User = user, Host = "127.0.0.1", Port = destination.Port };
        if (Protocol == SipTransportProtocol.Tcp)
        {
            target = target.WithParameter("transport", "tcp");
        }

        return new OutgoingCallRequest(target, destination, Protocol, fromUser, "Test " + fromUser, TestSdp.Offer());
    }

    /// <summary>Lets every retransmission and wait timer (64*T1, Timer D, Timer L, ...) run out.</summary>
    public void RunTimersOut()
    {
        for (var step = 0; step < 80; step++)
        {
            Network.Pump();
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Network.Pump();
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Phone.DisposeAsync();
    }

    private SipUserAgent CreateAgent(Action<SipUserAgentOptions>? configure)
    {
        var transports = new List<ISipTransport> { Network.CreateTransport(SipTransportProtocol.Udp), Network.CreateTransport(SipTransportProtocol.Tcp) };
        return new SipUserAgent(Options(configure), new TestCredentials(("agent1", "secret1")), Clock, NullLoggerFactory.Instance, transports);
    }
}
