using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Topology.Graph;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>
/// Compressed gossip with shares that come late or never: a late change is folded exactly in a later round (push-sum's
/// weights sum to N exactly again, and pure averaging still finds the exact average), a second copy is refused, and a
/// follower given up takes no weight with it.
/// </summary>
public sealed class CompressedGossipLateShareTests
{
    private const int Length = 1100;

    public static TheoryData<AlgorithmKind, string> Cases => new()
    {
        { AlgorithmKind.PushSum, "fp16" },
        { AlgorithmKind.PushSum, "int8" },
        { AlgorithmKind.PushSum, "topk:0.1" },
        { AlgorithmKind.DPsgd, "int8" },
        { AlgorithmKind.DPsgd, "topk:0.1" },
    };

    /// <summary>
    /// Runs pure averaging (learning rate 0); <paramref name="delivery"/> gives the round a message is handed to its
    /// receiver (its own round when on time, later when late) or null for never.
    /// </summary>
    private static CompressedGossipNode[] Run(
        TrustGraph graph, AlgorithmKind algorithm, string codec, float[][] initial, int rounds, Func<CompressedGossipMessage, long?> delivery, Action<long, CompressedGossipNode[]>? afterRound = null, Action<long, CompressedGossipNode[]>? beforeComplete = null)
    {
        var spec = CodecSpec.Parse(codec);
        var plans = MixingPlan.ForAll(graph, algorithm == AlgorithmKind.PushSum ? Topology.Mixing.MixingScheme.PushSum : Topology.Mixing.MixingScheme.MetropolisHastings);
        var nodes = Enumerable.Range(0, graph.NodeCount)
            .Select(i => new CompressedGossipNode(i, algorithm, initial[i], new float[Length], spec.Create(Length), spec.DefaultConsensusStep, 9))
            .ToArray();
        var learner = new FixedLearner(Length);
        var held = new List<(long Round, CompressedGossipMessage Message)>();
        for (var round = 0; round < rounds; round++)
        {
            var outbox = new List<CompressedGossipMessage>();
            foreach (var node in nodes)
            {
                node.BeginRound(round, plans[node.Index]);
                node.Train(learner);
                node.Send(outbox);
            }

            foreach (var message in outbox)
            {
                if (delivery(message) is { } at)
                {
                    // The payload is the sender's buffer, valid until its next Send: a late one is copied, as a daemon does.
                    held.Add((at, message with { Payload = message.Payload.ToArray() }));
                }
            }

            foreach (var (_, message) in held.Where(h => h.Round == round).OrderBy(h => h.Message.From))
            {
                Assert.True(nodes[message.To].TryReceive(message, out var refusal), refusal);
            }

            held.RemoveAll(h => h.Round == round);
            beforeComplete?.Invoke(round, nodes);
            foreach (var node in nodes)
            {
                node.Complete();
            }

            afterRound?.Invoke(round, nodes);
        }

        return nodes;
    }

    private static double[][] Models(CompressedGossipNode[] nodes) =>
        nodes.Select(n =>
        {
            var model = new float[Length];
            n.CopyModel(model);
            return model.Select(v => (double)v).ToArray();
        }).ToArray();

    /// <summary>
    /// Node 1's messages of rounds 0 and 5 to its first follower, and node 3's of round 6, come three rounds late.
    /// Folding them then keeps what the network averages: without them (or with the first round's estimates seeded
    /// from the messages that came) the consensus would be a different vector.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void LateShares_FoldedRoundsLater_StillReachTheExactAverage(AlgorithmKind algorithm, string codec)
    {
        var graph = algorithm == AlgorithmKind.PushSum ? TestGraphs.DirectedWithHub(8) : TestGraphs.Ring(8);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 5);
        var average = TestGraphs.Mean(initial);
        var late = new HashSet<(int From, long Round)> { (1, 0), (1, 5), (3, 6) };
        var followerOf = new Dictionary<int, int> { [1] = graph.Followers(1)[0], [3] = graph.Followers(3)[0] };

        var nodes = Run(graph, algorithm, codec, initial, rounds: 600, message =>
            late.Contains((message.From, message.Round)) && followerOf[message.From] == message.To ? message.Round + 3 : message.Round);

        foreach (var model in Models(nodes))
        {
            var error = TestGraphs.RelativeError(model.Select(v => (float)v).ToArray(), average);
            Assert.True(error < 1e-5, $"{algorithm} {codec}: relative error {error:E2}");
        }
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("topk:0.01")]
    public void CompressedPushSum_LateShare_WeightsSumToNExactly_OnceItArrives(string codec)
    {
        var graph = TestGraphs.OneWayTrust(12, 2, 2, seed: 7);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 6);
        var sums = new List<double>();

        Run(graph, AlgorithmKind.PushSum, codec, initial, rounds: 40, message => message.From == 4 && message.Round is 10 or 11 ? 14 : message.Round,
            (_, nodes) => sums.Add(nodes.Sum(n => n.Weight)));

        // Missing in rounds 10-13 (the weight is travelling), N exactly before and from the round it is folded on.
        Assert.All(sums.Take(10), s => Assert.Equal(12.0, s));
        Assert.All(sums.Skip(10).Take(4), s => Assert.True(s < 12.0, $"sum {s}"));
        Assert.All(sums.Skip(14), s => Assert.Equal(12.0, s));
    }

    [Fact]
    public void TryReceive_SecondCopyOfASenderRound_IsRefused_EvenAfterItWasFolded()
    {
        var graph = TestGraphs.Ring(3);
        var plans = MixingPlan.ForAll(graph, Topology.Mixing.MixingScheme.MetropolisHastings);
        var nodes = Enumerable.Range(0, 3)
            .Select(i => new CompressedGossipNode(i, AlgorithmKind.DPsgd, TestGraphs.RandomVectors(3, Length, 1)[i], new float[Length], new Int8Codec(Length), 1, 1))
            .ToArray();
        var outbox = new List<CompressedGossipMessage>();
        foreach (var node in nodes)
        {
            node.BeginRound(0, plans[node.Index]);
            node.Send(outbox);
        }

        var fromOne = outbox.First(m => m.From == 1 && m.To == 0);
        var copy = fromOne with { Payload = fromOne.Payload.ToArray() };
        Assert.True(nodes[0].TryReceive(fromOne, out _));
        Assert.False(nodes[0].TryReceive(copy, out var refusal));
        Assert.Contains("second message from node 1 of round 0", refusal, StringComparison.Ordinal);

        // Node 2's share is missing: the round completes with its stale estimate, and folds it late next round.
        nodes[0].Complete();
        nodes[0].BeginRound(1, plans[0]);
        nodes[0].Send([]);
        Assert.False(nodes[0].HasFolded(2, 0));
        Assert.True(nodes[0].TryReceive(outbox.First(m => m.From == 2 && m.To == 0), out var late), late);
        Assert.False(nodes[0].TryReceive(copy, out var afterFold));
        Assert.Contains("second message", afterFold, StringComparison.Ordinal);
        nodes[0].Complete();
        Assert.True(nodes[0].HasFolded(2, 0));
        Assert.False(nodes[0].HasFolded(2, 1));
    }

    /// <summary>
    /// Node 0 never gets its shares of rounds 8-10 to its first follower through and gives it up in round 10: the
    /// weight of those shares comes back and later rounds keep the follower's share, so Σ w is N exactly again.
    /// </summary>
    [Fact]
    public void CompressedPushSum_FollowerCutOffFromItsOnlySource_KeepsItsWeight_AndASaneModel()
    {
        // Node 1's only source is node 0. From round 8 on node 0's shares to it never arrive, and node 0 gives it up
        // in round 10. Node 1 mixes node 0's stale estimate into x and, in the same way, node 0's last weight share
        // into w, so x/w stays a model near the others' instead of x over a weight that halves every round.
        var graph = TestGraphs.DirectedWithHub(6);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 3);
        var lost = graph.Followers(0)[0];
        Assert.Equal([0], graph.Trusted(lost).ToArray());
        var average = TestGraphs.Mean(initial);
        var undelivered = 0.0;
        var sums = new List<double>();
        var lostWeights = new List<double>();

        var nodes = Run(graph, AlgorithmKind.PushSum, "int8", initial, rounds: 60,
            message =>
            {
                if (message.From != 0 || message.To != lost || message.Round < 8)
                {
                    return message.Round;
                }

                undelivered += message.Round <= 10 ? message.Weight : 0;
                return null;
            },
            (_, nodes) =>
            {
                sums.Add(nodes.Sum(n => n.Weight));
                lostWeights.Add(nodes[lost].Weight);
            },
            (round, nodes) =>
            {
                if (round == 10)
                {
                    nodes[0].Abandon(lost, undelivered);
                }
            });

        Assert.All(sums.Take(8), s => Assert.Equal(6.0, s));
        Assert.True(undelivered > 0);
        Assert.All(lostWeights.Skip(8), w => Assert.True(w > 0.5 * lostWeights[7], $"node {lost}'s weight fell to {w} from {lostWeights[7]}"));
        var model = new float[Length];
        nodes[lost].CopyModel(model);
        Assert.True(TestGraphs.RelativeError(model, average) < 0.5, $"node {lost}: relative error {TestGraphs.RelativeError(model, average):E2}");
    }
}
