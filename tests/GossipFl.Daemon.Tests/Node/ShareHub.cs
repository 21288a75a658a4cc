using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using GossipFl.Daemon.Node;
using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Round drivers wired together in memory instead of over UDP. A send to a live node is queued at once (and
/// counts as acknowledged); a send to a node marked dead fails after <see cref="FailureDelay"/>, as the
/// transport gives up on an unreachable peer, so the failure is learned a few rounds later. The hub keeps the
/// push-sum weight of every queued share, which is the mass in flight the accounting tests add up.
/// </summary>
internal sealed class ShareHub(int valueCount)
{
    private readonly ConcurrentDictionary<string, Channel<IncomingPayload>> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _dead = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private double _queuedWeight;

    public TimeSpan FailureDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Push-sum weight sent to live nodes and not yet taken by them.</summary>
    public double QueuedWeight
    {
        get
        {
            lock (_lock)
            {
                return _queuedWeight;
            }
        }
    }

    public void MarkDead(string node) => _dead[node] = true;

    public IShareExchange For(string node) => new Link(this, node);

    private Channel<IncomingPayload> Queue(string node) => _queues.GetOrAdd(node, _ => Channel.CreateUnbounded<IncomingPayload>());

    private double WeightOf(ReadOnlyMemory<byte> payload)
    {
        Assert.True(ModelShare.TryRead(payload.Span, valueCount, out var share, out var reason), reason);
        return share.Weight;
    }

    private void Move(double weight)
    {
        lock (_lock)
        {
            _queuedWeight += weight;
        }
    }

    private sealed class Link(ShareHub hub, string self) : IShareExchange
    {
        public async Task SendAsync(string peer, ReadOnlyMemory<byte> payload, TimeSpan deadline, CancellationToken cancellation)
        {
            if (hub._dead.ContainsKey(peer))
            {
                await Task.Delay(hub.FailureDelay, cancellation);
                throw new TimeoutException($"{peer} did not acknowledge");
            }

            var copy = payload.ToArray();
            hub.Move(hub.WeightOf(copy));
            Assert.True(hub.Queue(peer).Writer.TryWrite(new IncomingPayload(self, copy, null)));
        }

        public async ValueTask<IncomingPayload> ReceiveAsync(CancellationToken cancellation)
        {
            var incoming = await hub.Queue(self).Reader.ReadAsync(cancellation);
            hub.Move(-hub.WeightOf(incoming.Payload));
            return incoming;
        }

        public bool TryReceive([NotNullWhen(true)] out IncomingPayload? payload)
        {
            if (!hub.Queue(self).Reader.TryRead(out payload))
            {
                return false;
            }

            hub.Move(-hub.WeightOf(payload.Payload));
            return true;
        }
    }
}
