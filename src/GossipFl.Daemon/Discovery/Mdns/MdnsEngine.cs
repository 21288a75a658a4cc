using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// Ties the responder and browser to a set of links: decodes and counts every datagram, drops our own looped
/// multicast, dispatches queries and responses, and encodes what they send. Not thread-safe: the owner calls
/// it from one thread at a time, passing the current monotonic time.
/// </summary>
internal sealed class MdnsEngine : IDisposable
{
    /// <summary>How long a sent datagram is remembered to recognise it when the kernel loops it back.</summary>
    private static readonly TimeSpan OwnEchoWindow = TimeSpan.FromSeconds(5);

    private const int OwnEchoSlots = 64;

    private readonly IReadOnlyList<IMdnsLink> _links;
    private readonly Action<string> _log;
    private readonly DnsMessageWriter _writer = new(MdnsConstants.MaxOutgoingSize);
    private readonly DnsMessageWriter _largeWriter = new();
    private readonly (int Link, int Hash, int Length, TimeSpan At)[] _sent = new (int, int, int, TimeSpan)[OwnEchoSlots];
    private int _sentNext;

    private static readonly TimeSpan RejectionLogInterval = TimeSpan.FromSeconds(1);

    private TimeSpan _lastRejectionLog = TimeSpan.MinValue;
    private long _rejectedSinceLog;

    /// <summary>Time of the call being handled; sends are stamped with it.</summary>
    private TimeSpan _now;

    public MdnsEngine(
        IReadOnlyList<IMdnsLink> links,
        ServiceAdvertisement? advertisement,
        PeerTable peers,
        Random random,
        TimeSpan hostTtl,
        TimeSpan serviceTtl,
        Action<string> log,
        Func<TimeSpan, DateTimeOffset> toWallClock)
    {
        _links = links;
        _log = log;
        if (advertisement is not null)
        {
            Responder = new MdnsResponder(advertisement, links, Send, random, Statistics, hostTtl, serviceTtl, log);
        }

        Browser = new MdnsBrowser(links, Send, random, peers, () => Responder?.InstanceLabel, toWallClock, () => Responder?.OwnPointer);
    }

    public MdnsStatistics Statistics { get; } = new();

    public MdnsResponder? Responder { get; }

    public MdnsBrowser Browser { get; }

    public TimeSpan NextDue
    {
        get
        {
            var due = Browser.NextDue;
            var responder = Responder?.NextDue ?? TimeSpan.MaxValue;
            return responder < due ? responder : due;
        }
    }

    public void Start(TimeSpan now)
    {
        _now = now;
        Responder?.Start(now);
        Browser.Start(now);
    }

    public void Tick(TimeSpan now)
    {
        _now = now;
        Responder?.Tick(now);
        Browser.Tick(now);
    }

    public void Receive(int link, ReadOnlySpan<byte> datagram, IPEndPoint source, TimeSpan now)
    {
        _now = now;
        Statistics.CountReceived();
        if (IsOwnEcho(link, datagram, source, now))
        {
            Statistics.CountOwn();
            return;
        }

        if (!DnsMessage.TryRead(datagram, out var message, out var reason))
        {
            Statistics.CountRejected(reason);

            // Every drop is counted; the log gets at most one line a second, so a flood cannot flood it too.
            _rejectedSinceLog++;
            if (_lastRejectionLog == TimeSpan.MinValue || now - _lastRejectionLog >= RejectionLogInterval)
            {
                _log($"mdns: dropped {datagram.Length}-byte datagram from {source} on {_links[link].Name}: {reason}" +
                    (_rejectedSinceLog > 1 ? $" ({_rejectedSinceLog - 1} more dropped since the last report)" : ""));
                _lastRejectionLog = now;
                _rejectedSinceLog = 0;
            }

            return;
        }

        Statistics.CountAccepted();
        if (message.IsResponse)
        {
            // RFC 6762 §6 and §11: responses not sent from port 5353 are not mDNS responses; ignore them.
            if (source.Port != MdnsConstants.Port)
            {
                return;
            }

            Responder?.OnResponse(link, message, now);
            Browser.OnResponse(link, message, now);
        }
        else
        {
            Responder?.OnQuery(link, message, source, now);
            Browser.OnQuery(message, now);
        }
    }

    /// <summary>Says goodbye if the responder has announced (RFC 6762 §10.1).</summary>
    public void Stop(TimeSpan now)
    {
        _now = now;
        Responder?.Stop(now);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _largeWriter.Dispose();
    }

    private void Send(int link, DnsMessage message, IPEndPoint? destination)
    {
        var writer = _writer;
        if (!writer.TryWrite(message))
        {
            // Rare: many known answers or addresses. Known answers are an optimisation (RFC 6762 §7.1), so a
            // query drops them; anything else goes out as a larger datagram (at most 9000 bytes, §17).
            if (!message.IsResponse && message.Answers.Count > 0)
            {
                Send(link, new DnsMessage { Questions = message.Questions }, destination);
                return;
            }

            writer = _largeWriter;
            if (!writer.TryWrite(message))
            {
                Statistics.CountSendFailure();
                _log($"mdns: a message with {message.Answers.Count} answers does not fit {DnsMessage.MaxSize} bytes; not sent");
                return;
            }
        }

        var datagram = writer.Written;
        _sent[_sentNext] = (link, Hash(datagram), datagram.Length, _now);
        _sentNext = (_sentNext + 1) % OwnEchoSlots;
        try
        {
            _links[link].Send(datagram, destination);
            Statistics.CountSent();
        }
        catch (SocketException ex)
        {
            Statistics.CountSendFailure();
            _log($"mdns: send on {_links[link].Name} failed: {ex.Message}");
        }
    }

    /// <summary>
    /// RFC 6762 §11 keeps multicast loopback on (several stacks may share a host), so our own packets come back.
    /// One is ours when it comes from this interface's address and matches a datagram we sent recently; another
    /// process on this host sends different bytes, so it is still heard.
    /// </summary>
    private bool IsOwnEcho(int link, ReadOnlySpan<byte> datagram, IPEndPoint source, TimeSpan now)
    {
        if (!IsLocalAddress(link, source.Address))
        {
            return false;
        }

        var hash = Hash(datagram);
        for (var i = 0; i < _sent.Length; i++)
        {
            ref readonly var slot = ref _sent[i];
            if (slot.Link == link && slot.Length == datagram.Length && slot.Hash == hash && now - slot.At <= OwnEchoWindow)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsLocalAddress(int link, IPAddress address)
    {
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(a, out var length))
        {
            return false;
        }

        foreach (var local in _links[link].InterfaceAddresses)
        {
            if (local.AddressFamily == address.AddressFamily && local.TryWriteBytes(b, out var localLength) &&
                localLength == length && a[..length].SequenceEqual(b[..localLength]))
            {
                return true;
            }
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 &&
            IsLocalAddress(link, address.MapToIPv4());
    }

    private static int Hash(ReadOnlySpan<byte> datagram)
    {
        var hash = default(HashCode);
        hash.AddBytes(datagram);
        return hash.ToHashCode();
    }
}
