using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using GossipFl.Daemon.Protocol;
using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Secure, reliable messages over one UDP socket (docs/protocol.md). Messages of any size up to
/// <see cref="UdpTransportOptions.MaxMessageSize"/> are split into AEAD-protected datagrams, paced under a congestion
/// window, selectively acknowledged and retransmitted, and reassembled with bounded memory. Sessions are made by an
/// authenticated handshake; peers outside the trust policy cannot deliver anything.
/// <para>
/// One engine thread owns all state: it receives, runs timers and sends. Callers talk to it through a queue, so the
/// hot path takes no lock and allocates nothing per datagram.
/// </para>
/// </summary>
public sealed partial class UdpTransport : IAsyncDisposable
{
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    private readonly UdpTransportOptions _options;
    private readonly ConcurrentQueue<EngineCommand> _commands = new();
    private readonly Channel<ReceivedMessage> _incoming;
    private readonly ulong _instance;
    private readonly byte[] _preSharedKey;
    private Socket? _socket;
    private Thread? _engine;
    private SocketAddress? _selfAddress;
    private volatile bool _stopping;
    private int _sleeping;
    private int _wakeSent;
    private int _disposed;

    public UdpTransport(UdpTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _preSharedKey = options.PreSharedKey is { } psk ? [.. psk] : [];
        _instance = RandomUInt64();
        FragmentSize = options.MaxDatagramSize - PacketHeader.Size - PacketProtection.TagSize - FragmentFrame.HeaderSize;
        _incoming = Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(options.IncomingQueueCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public TransportCounters Counters { get; } = new();

    /// <summary>The bound address (valid after <see cref="StartAsync"/>).</summary>
    public IPEndPoint LocalEndPoint { get; private set; } = new(IPAddress.None, 0);

    public string NodeName => _options.NodeName;

    /// <summary>Our key fingerprint in identity mode; null in pre-shared-key mode.</summary>
    public string? Fingerprint => _options.Mode == AuthMode.Identity ? _options.Identity!.Fingerprint : null;

    /// <summary>Complete messages from trusted peers, in completion order.</summary>
    public ChannelReader<ReceivedMessage> Incoming => _incoming.Reader;

    /// <summary>Effective socket buffer sizes (the kernel reports twice what was asked).</summary>
    public (int Receive, int Send) SocketBuffers { get; private set; }

    /// <summary>Payload bytes per datagram.</summary>
    public int FragmentSize { get; }

    /// <summary>Creates and binds the socket and starts the engine thread; the endpoint is bound when this returns.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_socket is not null)
        {
            throw new InvalidOperationException("the transport is already started");
        }

        var family = _options.LocalEndPoint.AddressFamily;
        var socket = _options.SocketFactory?.Invoke(family) ?? new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (family == AddressFamily.InterNetworkV6 && _options.LocalEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                // One socket for both families; IPv4 peers are addressed as ::ffff:a.b.c.d (SendAsync maps them).
                socket.DualMode = true;
            }

            SocketBuffers = SocketTuning.RaiseBuffers(socket, _options.SocketBufferSize, _options.Log);
            socket.Bind(_options.LocalEndPoint);
            LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
            _segmentation = _options.UseSegmentationOffload && _options.MaxDatagramSize * 2 <= MaxBatchBytes
                && SocketTuning.TryEnableSegmentation(socket, _options.MaxDatagramSize, _options.Log);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _socket = socket;
        var self = LocalEndPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : LocalEndPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : LocalEndPoint.Address;
        _selfAddress = new IPEndPoint(self, LocalEndPoint.Port).Serialize();
        _sendBuffer = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        _batchBuffer = GC.AllocateUninitializedArray<byte>(MaxBatchBytes + 65536, pinned: true);
        _engine = new Thread(Run) { IsBackground = true, Name = $"gossipfl-transport-{_options.NodeName}" };
        _engine.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sends <paramref name="message"/> to node <paramref name="peerNode"/> at <paramref name="peer"/>. Completes when
    /// the peer acknowledged every fragment; faults with <see cref="TransportException"/> (see
    /// <see cref="TransportException.Failure"/>) when that does not happen within <paramref name="deadline"/>, and
    /// is cancelled by <paramref name="cancellationToken"/>. The caller must not change the message's memory until the
    /// task finishes.
    /// </summary>
    public Task SendAsync(IPEndPoint peer, string peerNode, ReadOnlyMemory<byte> message, TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_socket is null)
        {
            throw new InvalidOperationException("start the transport first");
        }

        if (!WireNames.IsValid(peerNode) || string.Equals(peerNode, _options.NodeName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{peerNode}' is not a valid peer name", nameof(peerNode));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);
        if (message.Length > _options.MaxMessageSize)
        {
            Counters.OnMessageFailed();
            return Task.FromException(new TransportException(
                TransportFailure.MessageTooLarge, $"message of {message.Length} B exceeds the maximum of {_options.MaxMessageSize} B"));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var due = Stopwatch.GetTimestamp() + (long)Math.Min(deadline.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 4);
        var outgoing = new OutgoingMessage(peerNode, message, FragmentSize, due);
        if (cancellationToken.CanBeCanceled)
        {
            outgoing.Cancellation = cancellationToken.Register(
                static state =>
                {
                    var (transport, m) = ((UdpTransport, OutgoingMessage))state!;
                    transport.Enqueue(new EngineCommand(EngineCommandKind.Cancel, m, null));
                },
                (this, outgoing));
        }

        var endPoint = peer;
        if (_socket.AddressFamily == AddressFamily.InterNetworkV6 && peer.AddressFamily == AddressFamily.InterNetwork)
        {
            endPoint = new IPEndPoint(peer.Address.MapToIPv6(), peer.Port);
        }

        Enqueue(new EngineCommand(EngineCommandKind.Send, outgoing, endPoint));
        return outgoing.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        if (_engine is { } engine)
        {
            Wake();
            await Task.Run(() => engine.Join(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }

        // The engine has stopped: its state is ours now.
        ShutDownState();
        _socket?.Dispose();
        _incoming.Writer.TryComplete();
    }

    private static ulong RandomUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }

    private void Enqueue(EngineCommand command)
    {
        _commands.Enqueue(command);
        Wake();
    }

    /// <summary>
    /// Wakes the engine if it is waiting in poll(2): a one-byte datagram to our own address (loopback when bound to
    /// any). Cheaper and simpler than a second file descriptor, and never leaves the host.
    /// </summary>
    private void Wake()
    {
        if (Interlocked.CompareExchange(ref _sleeping, 0, 0) == 1 && Interlocked.Exchange(ref _wakeSent, 1) == 0 && _socket is { } socket)
        {
            try
            {
                socket.SendTo(WakeByte, SocketFlags.None, _selfAddress!);
            }
            catch (SocketException ex)
            {
                // The engine still wakes within its poll timeout; note why the fast path failed.
                Counters.OnSendError();
                _options.Log?.Invoke($"transport: wake-up datagram failed: {ex.SocketErrorCode}");
            }
            catch (ObjectDisposedException)
            {
                // Disposed concurrently: nothing left to wake.
            }
        }
    }
}
