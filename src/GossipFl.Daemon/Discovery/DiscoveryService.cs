using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Discovery.Mdns;

namespace GossipFl.Daemon.Discovery;

/// <summary>
/// Peer discovery for one node: mDNS / DNS-SD on the chosen interfaces plus static peers, feeding
/// <see cref="Peers"/>. <see cref="Start"/> binds every socket before it returns (in the calling thread's network
/// namespace), so a node is discoverable-ready when Start returns; <see cref="DisposeAsync"/> says goodbye.
/// </summary>
public sealed class DiscoveryService : IAsyncDisposable
{
    /// <summary>Upper bound on any one wait of the timer loop, so a missed wake-up costs at most this.</summary>
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(1);

    private readonly DiscoveryOptions _options;
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _epoch = DateTimeOffset.UtcNow;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<MdnsSocketLink> _links = [];
    private readonly List<Task> _loops = [];
    private readonly Action<string> _log;
    private MdnsEngine? _engine;
    private bool _stopped;
    private int _wakePending;

    public DiscoveryService(DiscoveryOptions options, PeerTable? peers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _log = options.Log ?? (_ => { });
        Peers = peers ?? new PeerTable();
    }

    public PeerTable Peers { get; }

    /// <summary>Counters of datagrams received, rejected (by reason), sent and conflicts.</summary>
    public MdnsStatistics Statistics => _engine?.Statistics ?? new MdnsStatistics();

    /// <summary>The links in use, e.g. "eth0/IPv4", "eth0/IPv6".</summary>
    public IReadOnlyList<string> Links => [.. _links.Select(l => l.Name)];

    /// <summary>The instance name currently advertised (it changes if a conflict forces a rename); null when browsing only.</summary>
    public string? InstanceName
    {
        get
        {
            lock (_gate)
            {
                return _engine?.Responder?.InstanceLabel;
            }
        }
    }

    /// <summary>True once probing succeeded and the instance is being announced or answered for.</summary>
    public bool IsAnnounced
    {
        get
        {
            lock (_gate)
            {
                return _engine?.Responder?.State is ResponderState.Announcing or ResponderState.Announced;
            }
        }
    }

    private TimeSpan Now => _clock.Elapsed;

    /// <summary>
    /// Opens the sockets and starts probing and browsing. Throws <see cref="ArgumentException"/> for bad options
    /// (unknown interface, bad static peer) and <see cref="SocketException"/> if port 5353 cannot be bound.
    /// </summary>
    public void Start()
    {
        if (_engine is not null)
        {
            throw new InvalidOperationException("discovery is already started");
        }

        var advertisement = Validate();
        var statics = _options.StaticPeers.Select(p => StaticPeerAddress.Parse(p)).ToList();
        try
        {
            if (_options.EnableMulticast)
            {
                foreach (var (nic, family) in InterfaceSelection.Select(_options.Interfaces, _options.UseIPv4, _options.UseIPv6))
                {
                    _links.Add(MdnsSocketLink.Open(nic, family));
                    _log($"mdns: listening on {_links[^1].Name} (index {_links[^1].InterfaceIndex})");
                }

                // Addresses are read once (docs/discovery.md): a named interface without an address of an enabled
                // family yet (DHCP, IPv6 link-local still being assigned) is not used, and that must be visible.
                foreach (var name in _options.Interfaces.Where(n => !_links.Any(l => l.Name.StartsWith(n + "/", StringComparison.Ordinal))))
                {
                    _log($"mdns: interface {name} has no address of an enabled family; not used");
                }

                if (_links.Count == 0)
                {
                    _log("mdns: no usable interface (up, multicast, non-loopback, with an address of an enabled family)");
                }
            }

            Peers.Reconcile(PeerSource.Static, [.. statics.Select(s => s.Resolve())]);
        }
        catch
        {
            _links.ForEach(l => l.Dispose());
            _links.Clear();
            throw;
        }

        var random = _options.RandomSeed is { } seed ? new Random(seed) : new Random();
        _engine = new MdnsEngine(
            [.. _links], advertisement, Peers, random, _options.HostRecordTtl, _options.ServiceRecordTtl, _log, ToWallClock);
        lock (_gate)
        {
            _engine.Start(Now);
        }

        _loops.Add(Task.Run(TimerLoopAsync));
        for (var i = 0; i < _links.Count; i++)
        {
            var index = i;
            _loops.Add(Task.Run(() => ReceiveLoopAsync(index)));
        }
    }

    /// <summary>Sends goodbyes (RFC 6762 §10.1), then stops and closes the sockets.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(goodbye: true).ConfigureAwait(false);

    /// <summary>Stops without a goodbye, as a crashed node would: peers drop us only when our records expire.</summary>
    internal Task AbortAsync() => StopAsync(goodbye: false);

    private async Task StopAsync(bool goodbye)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            if (goodbye)
            {
                _engine?.Stop(Now);
            }
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _links.ForEach(l => l.Dispose());
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            _log($"mdns: loops did not stop within 5 s: {ex.Message}");
        }

        _engine?.Dispose();
        _stopping.Dispose();
        _wake.Dispose();
    }

    private ServiceAdvertisement? Validate()
    {
        if (_options.NodeName is not { } name)
        {
            return null;
        }

        // The instance label must be a valid DNS label, and leave room for a " (NN)" suffix after conflicts.
        var bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes is 0 or > 58)
        {
            throw new ArgumentException($"node name '{name}' must be 1-58 UTF-8 bytes to be an mDNS instance name", nameof(_options));
        }

        if (_options.TransportPort is < 1 or > 65535)
        {
            throw new ArgumentException($"transport port {_options.TransportPort} must be 1-65535", nameof(_options));
        }

        if (_options.StatusPort is < 0 or > 65535)
        {
            throw new ArgumentException($"status port {_options.StatusPort} must be 1-65535, or 0 to advertise none", nameof(_options));
        }

        var advertisement = new ServiceAdvertisement(name, (ushort)_options.TransportPort, _options.ProtocolVersion, _options.KeyFingerprint)
        {
            StatusPort = (ushort)_options.StatusPort,
        };
        _ = TxtProperties.Build(advertisement.TxtPairs());
        return advertisement;
    }

    private DateTimeOffset ToWallClock(TimeSpan monotonic) =>
        monotonic == TimeSpan.MaxValue ? DateTimeOffset.MaxValue : _epoch + monotonic;

    private async Task TimerLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                var now = Now;
                if (now >= _engine!.NextDue)
                {
                    _engine.Tick(now);
                }

                wait = _engine.NextDue - Now;
            }

            wait = wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > MaxIdle ? MaxIdle : wait;
            try
            {
                await _wake.WaitAsync(wait, token).ConfigureAwait(false);
                Volatile.Write(ref _wakePending, 0);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReceiveLoopAsync(int index)
    {
        var link = _links[index];
        var buffer = new byte[Dns.DnsMessage.MaxSize + 1];
        EndPoint any = new IPEndPoint(link.Family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        var token = _stopping.Token;
        var failures = 0;
        while (!token.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await link.Socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, token).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _engine!.Statistics.CountReceiveFailure();
                _log($"mdns: receive on {link.Name} failed: {ex.Message}");

                // Bounded back-off, so a persistently failing socket cannot spin a core.
                failures = Math.Min(failures + 1, 10);
                await Task.Delay(TimeSpan.FromMilliseconds(50 * failures), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            if (result.PacketInformation.Interface != link.InterfaceIndex)
            {
                // Port 5353 is shared: a membership joined on another interface delivers here too.
                _engine!.Statistics.CountWrongInterface();
                continue;
            }

            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                _engine!.Receive(index, buffer.AsSpan(0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint, Now);
            }

            Wake();
        }
    }

    /// <summary>Wakes the timer loop once however many datagrams arrive before it runs.</summary>
    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Release();
        }
    }
}
