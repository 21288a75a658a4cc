using GossipFl.Daemon.Coordination;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Data;

namespace GossipFl.Daemon.Tests.Coordination;

/// <summary>
/// A whole cluster of <see cref="CoordinatorElection"/>s on a virtual clock: messages take a random delay, may be
/// lost, cross partitions only when allowed, and peers may crash and restart from their stored vote. It records
/// every (term, coordinator) any peer ever reached, which is what the safety property is about.
/// </summary>
internal sealed class ElectionCluster
{
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(5);

    private readonly ElectionOptions[] _options;
    private readonly ElectionVote[] _stored;
    private readonly CoordinatorElection?[] _peers;
    private readonly List<(TimeSpan At, int From, int To, ElectionMessage Message)> _inFlight = [];
    private readonly Xoshiro256StarStar _random;
    private readonly double _loss;
    private readonly TimeSpan _maxDelay;
    private int[] _side;

    public ElectionCluster(int count, ulong seed, int? quorum = null, double loss = 0, TimeSpan? maxDelay = null)
    {
        var names = Enumerable.Range(0, count).Select(i => $"node-{i}").ToArray();
        _options = names.Select(n => new ElectionOptions { Self = n, Members = names, Quorum = quorum ?? ElectionOptions.Majority(count) }).ToArray();
        _stored = new ElectionVote[count];
        _peers = new CoordinatorElection?[count];
        _random = new Xoshiro256StarStar(seed);
        _loss = loss;
        _maxDelay = maxDelay ?? TimeSpan.FromMilliseconds(40);
        _side = new int[count];
        for (var i = 0; i < count; i++)
        {
            Restart(i);
        }
    }

    public TimeSpan Now { get; private set; }

    public int Count => _peers.Length;

    /// <summary>Every term any peer became coordinator of, with who: the safety check reads it.</summary>
    public List<(long Term, string Coordinator, TimeSpan At)> Elected { get; } = [];

    public CoordinatorElection? Peer(int index) => _peers[index];

    public long LastRoundOf(int index) => _peers[index]?.LastRound ?? -1;

    public void SetLastRound(int index, long round) => _peers[index]!.LastRound = round;

    public void Crash(int index) => _peers[index] = null;

    /// <summary>Brings a peer back with only what it stored: its term and vote.</summary>
    public void Restart(int index)
    {
        var stored = _stored[index];
        _peers[index] = new CoordinatorElection(_options[index], stored, vote => _stored[index] = vote, _random.NextUInt64(), Now);
    }

    /// <summary>Splits the cluster: peers in <paramref name="minority"/> hear only each other.</summary>
    public void Partition(IEnumerable<int> minority)
    {
        _side = new int[Count];
        foreach (var i in minority)
        {
            _side[i] = 1;
        }
    }

    public void Heal() => _side = new int[Count];

    /// <summary>The live peers that are coordinator now.</summary>
    public int[] Coordinators() =>
        Enumerable.Range(0, Count).Where(i => _peers[i] is { Role: ElectionRole.Coordinator }).ToArray();

    public void Run(TimeSpan duration)
    {
        var until = Now + duration;
        while (Now < until)
        {
            Advance();
        }
    }

    /// <summary>Runs until <paramref name="done"/> holds or <paramref name="limit"/> passes; returns how long it took, or null.</summary>
    public TimeSpan? RunUntil(Func<ElectionCluster, bool> done, TimeSpan limit)
    {
        var start = Now;
        while (Now - start < limit)
        {
            if (done(this))
            {
                return Now - start;
            }

            Advance();
        }

        return done(this) ? Now - start : null;
    }

    private void Advance()
    {
        Now += Step;
        var due = _inFlight.Where(m => m.At <= Now).OrderBy(m => m.At).ToArray();
        _inFlight.RemoveAll(m => m.At <= Now);
        var outbox = new List<(string To, ElectionMessage Message)>();
        foreach (var (_, from, to, message) in due)
        {
            if (_peers[to] is { } peer)
            {
                outbox.Clear();
                peer.Receive($"node-{from}", message, Now, outbox);
                Record(to);
                Post(to, outbox);
            }
        }

        for (var i = 0; i < Count; i++)
        {
            if (_peers[i] is { } peer)
            {
                outbox.Clear();
                peer.Tick(Now, outbox);
                Record(i);
                Post(i, outbox);
            }
        }
    }

    private void Record(int index)
    {
        var peer = _peers[index]!;
        if (peer.Role == ElectionRole.Coordinator && !Elected.Any(e => e.Term == peer.Term && e.Coordinator == peer.Self))
        {
            Elected.Add((peer.Term, peer.Self, Now));
        }
    }

    private void Post(int from, List<(string To, ElectionMessage Message)> outbox)
    {
        foreach (var (toName, message) in outbox)
        {
            var to = int.Parse(toName.AsSpan("node-".Length), System.Globalization.CultureInfo.InvariantCulture);
            if (_side[from] != _side[to] || _random.NextDouble() < _loss)
            {
                continue;
            }

            var delay = TimeSpan.FromTicks((long)(_maxDelay.Ticks * _random.NextDouble()));
            _inFlight.Add((Now + delay, from, to, message));
        }
    }
}
