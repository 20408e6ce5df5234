using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CallCenter.Telephony.Sip.Parsing;

namespace CallCenter.Telephony.Sip.Transport;

/// <summary>
/// SIP over TCP (RFC 3261 §18): a listener bound to the given address plus one connection per peer address,
/// used both ways — responses go back over the connection their request came on (§18.2.2). Each connection
/// frames messages by Content-Length (<see cref="SipStreamFramer"/>), answers CRLFCRLF keep-alives with CRLF
/// (RFC 5626 §3.5.1) and is closed when framing fails.
/// </summary>
public sealed class SipTcpTransport : ISipTransport
{
    public const int DefaultMaxConnections = 1_024;

    /// <summary>Bounded so one slow peer cannot make us buffer without limit.</summary>
    private const int MaxQueuedMessagesPerConnection = 256;
    private const int ReceiveBufferBytes = 16 * 1024;
    private const int ListenBacklog = 128;

    private static readonly byte[] KeepAlivePong = "\r\n"u8.ToArray();

    private readonly Socket _listener;
    private readonly SipParserLimits _limits;
    private readonly int _maxConnections;
    private readonly ConcurrentDictionary<IPEndPoint, Connection> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Action<SipInboundPacket>? _onPacket;
    private Action<IPEndPoint, Exception>? _onError;
    private Task? _acceptLoop;

    public SipTcpTransport(IPEndPoint bindTo, SipParserLimits? limits = null, int maxConnections = DefaultMaxConnections)
    {
        _limits = limits ?? SipParserLimits.Default;
        _maxConnections = maxConnections;
        _listener = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(bindTo);
        _listener.Listen(ListenBacklog);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public SipTransportProtocol Protocol => SipTransportProtocol.Tcp;

    public bool IsReliable => true;

    public IPEndPoint LocalEndPoint { get; }

    public int ConnectionCount => _connections.Count;

    public void Start(Action<SipInboundPacket> onPacket, Action<IPEndPoint, Exception>? onError = null)
    {
        if (_acceptLoop is not null)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        _onPacket = onPacket;
        _onError = onError;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Queues the message on the connection to <paramref name="destination"/>, opening one if needed.</summary>
    public bool Send(ReadOnlyMemory<byte> message, IPEndPoint destination)
    {
        if (_stopping.IsCancellationRequested)
        {
            return false;
        }

        if (!_connections.TryGetValue(destination, out var connection))
        {
            if (_connections.Count >= _maxConnections)
            {
                return false;
            }

            var created = new Connection(this, destination, socket: null);
            connection = _connections.GetOrAdd(destination, created);
            if (ReferenceEquals(connection, created))
            {
                created.Run();
            }
        }

        return connection.Enqueue(message);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Close();
        }

        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        await Task.WhenAll(_connections.Values.Select(c => c.Completion)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException exception)
            {
                _onError?.Invoke(LocalEndPoint, exception);
                continue;
            }

            var remote = (IPEndPoint)socket.RemoteEndPoint!;
            if (_connections.Count >= _maxConnections)
            {
                socket.Dispose();
                continue;
            }

            var connection = new Connection(this, remote, socket);
            if (_connections.TryAdd(remote, connection))
            {
                connection.Run();
            }
            else
            {
                socket.Dispose();
            }
        }
    }

    private sealed class Connection
    {
        private readonly SipTcpTransport _owner;
        private readonly IPEndPoint _remote;
        private readonly Channel<ReadOnlyMemory<byte>> _outgoing = Channel.CreateBounded<ReadOnlyMemory<byte>>(
            new BoundedChannelOptions(MaxQueuedMessagesPerConnection) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        private readonly CancellationTokenSource _closing;
        private Socket? _socket;

        public Connection(SipTcpTransport owner, IPEndPoint remote, Socket? socket)
        {
            _owner = owner;
            _remote = remote;
            _socket = socket;
            _closing = CancellationTokenSource.CreateLinkedTokenSource(owner._stopping.Token);
        }

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Run() => Completion = Task.Run(RunAsync);

        public bool Enqueue(ReadOnlyMemory<byte> message) => _outgoing.Writer.TryWrite(message);

        public void Close()
        {
            _outgoing.Writer.TryComplete();
            try
            {
                _closing.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            _socket?.Dispose();
        }

        private async Task RunAsync()
        {
            try
            {
                if (_socket is null)
                {
                    var socket = new Socket(_remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    _socket = socket;
                    await socket.ConnectAsync(_remote, _closing.Token).ConfigureAwait(false);
                }

                await Task.WhenAll(ReadLoopAsync(_socket), WriteLoopAsync(_socket)).ConfigureAwait(false);
            }
            catch (Exception exception) when (!_closing.IsCancellationRequested)
            {
                _owner._onError?.Invoke(_remote, exception);
            }
            catch (Exception)
            {
                // Closing: errors from the socket being torn down are expected.
            }
            finally
            {
                _owner._connections.TryRemove(new KeyValuePair<IPEndPoint, Connection>(_remote, this));
                Close();
                _closing.Dispose();
            }
        }

        private async Task ReadLoopAsync(Socket socket)
        {
            var framer = new SipStreamFramer(_owner._limits);
            var buffer = new byte[ReceiveBufferBytes];
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _closing.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    framer.Append(buffer.AsSpan(0, read));
                    while (framer.TryRead(out var frame))
                    {
                        Dispatch(frame);
                    }
                }
            }
            finally
            {
                // The peer closed, or framing is lost: nothing more can be read on this connection.
                Close();
            }
        }

        private void Dispatch(SipStreamFrame frame)
        {
            switch (frame.Kind)
            {
                case SipStreamFrameKind.KeepAlivePing:
                    Enqueue(KeepAlivePong);
                    break;
                case SipStreamFrameKind.Message:
                    try
                    {
                        _owner._onPacket?.Invoke(new SipInboundPacket(_owner, _remote, frame.Message));
                    }
                    catch (Exception exception)
                    {
                        _owner._onError?.Invoke(_remote, exception);
                    }

                    break;
            }
        }

        private async Task WriteLoopAsync(Socket socket)
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                var remaining = message;
                while (!remaining.IsEmpty)
                {
                    var sent = await socket.SendAsync(remaining, SocketFlags.None, _closing.Token).ConfigureAwait(false);
                    remaining = remaining[sent..];
                }
            }
        }
    }
}
