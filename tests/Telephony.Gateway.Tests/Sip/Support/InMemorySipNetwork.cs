using System.Net;
using CallCenter.Telephony.Sip.Messages;
using CallCenter.Telephony.Sip.Parsing;
using CallCenter.Telephony.Sip.Transport;

namespace CallCenter.Telephony.Gateway.Tests.Sip.Support;

/// <summary>
/// A deterministic network for user agents under test: sends are queued, and the test delivers them with
/// <see cref="Pump"/>, so each exchange happens in a known order on the test's thread. A filter can drop
/// messages to simulate loss; every delivered message is recorded.
/// </summary>
internal sealed class InMemorySipNetwork
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private readonly Queue<(MemoryTransport From, IPEndPoint To, byte[] Bytes)> _queue = new();
    private readonly Dictionary<(SipTransportProtocol, IPEndPoint), MemoryTransport> _transports = [];
    private int _nextPort = 40000;

    public sealed record Delivery(IPEndPoint From, IPEndPoint To, SipMessage Message);

    /// <summary>Messages delivered, in order.</summary>
    public List<Delivery> Delivered { get; } = [];

    /// <summary>Return true to drop a message instead of delivering it.</summary>
    public Func<SipMessage, bool>? Drop { get; set; }

    public MemoryTransport CreateTransport(SipTransportProtocol protocol)
    {
        lock (_gate)
        {
            var transport = new MemoryTransport(this, protocol, new IPEndPoint(IPAddress.Loopback, _nextPort++));
            _transports[(protocol, transport.LocalEndPoint)] = transport;
            return transport;
        }
    }

    /// <summary>Delivers queued messages (and what they cause) until the network is quiet.</summary>
    public int Pump(int limit = 10_000)
    {
        var delivered = 0;
        while (delivered < limit)
        {
            (MemoryTransport From, IPEndPoint To, byte[] Bytes) next;
            MemoryTransport? target;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out next))
                {
                    return delivered;
                }

                _transports.TryGetValue((next.From.Protocol, next.To), out target);
            }

            delivered++;
            SipMessage? message = null;
            try
            {
                message = SipMessageParser.Parse(next.Bytes, next.From.IsReliable ? SipFraming.Stream : SipFraming.Datagram);
            }
            catch (SipParseException)
            {
                // Raw garbage injected by a test: deliver as is.
            }

            if (message is not null && Drop?.Invoke(message) == true)
            {
                continue;
            }

            if (message is not null)
            {
                lock (_gate)
                {
                    Delivered.Add(new Delivery(next.From.LocalEndPoint, next.To, message));
                }
            }

            target?.Deliver(next.From.LocalEndPoint, next.Bytes);
        }

        throw new InvalidOperationException("The network did not settle: messages keep flowing.");
    }

    /// <summary>Pumps until <paramref name="condition"/> holds, letting background continuations run in between.</summary>
    public async Task PumpUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (true)
        {
            Pump();
            if (condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not come true.");
            }

            await Task.Delay(1);
        }
    }

    public async Task<T> PumpUntilAsync<T>(Task<T> task)
    {
        await PumpUntilAsync(() => task.IsCompleted);
        return await task;
    }

    public IEnumerable<SipResponse> ResponsesTo(IPEndPoint endPoint) =>
        Snapshot().Where(d => d.To.Equals(endPoint)).Select(d => d.Message).OfType<SipResponse>();

    public IEnumerable<SipRequest> RequestsTo(IPEndPoint endPoint) =>
        Snapshot().Where(d => d.To.Equals(endPoint)).Select(d => d.Message).OfType<SipRequest>();

    public List<Delivery> Snapshot()
    {
        lock (_gate)
        {
            return [.. Delivered];
        }
    }

    /// <summary>Queues raw bytes as if <paramref name="from"/> had sent them.</summary>
    public void Inject(MemoryTransport from, IPEndPoint to, byte[] bytes)
    {
        lock (_gate)
        {
            _queue.Enqueue((from, to, bytes));
        }
    }

    internal void Enqueue(MemoryTransport from, IPEndPoint to, ReadOnlyMemory<byte> bytes)
    {
        lock (_gate)
        {
            _queue.Enqueue((from, to, bytes.ToArray()));
        }
    }

    internal sealed class MemoryTransport(InMemorySipNetwork network, SipTransportProtocol protocol, IPEndPoint localEndPoint) : ISipTransport
    {
        private Action<SipInboundPacket>? _onPacket;

        public SipTransportProtocol Protocol => protocol;

        public bool IsReliable => protocol == SipTransportProtocol.Tcp;

        public IPEndPoint LocalEndPoint => localEndPoint;

        public void Start(Action<SipInboundPacket> onPacket, Action<IPEndPoint, Exception>? onError = null) => _onPacket = onPacket;

        public bool Send(ReadOnlyMemory<byte> message, IPEndPoint destination)
        {
            network.Enqueue(this, destination, message);
            return true;
        }

        public void Deliver(IPEndPoint from, byte[] bytes) => _onPacket?.Invoke(new SipInboundPacket(this, from, bytes));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
