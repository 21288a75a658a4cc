using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Robustness;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Tests.Algorithms;

namespace GossipFl.Learning.Tests.Robustness;

/// <summary>Attacks and defences end to end in the simulator, on the quick online logistic task.</summary>
public sealed class AttackSimulationTests
{
    private const int Nodes = 12;
    private const int Rounds = 300;
    private static readonly Lazy<DatasetSplit> Data = new(() => SyntheticSusy.Generate(20_000, 2_000, 5));

    [Fact]
    public void DPsgd_SignFlipAttacker_BreaksTheMean_ClippingKeepsHonestPeersNearTheAttackFreeRun_AndNamesTheAttacker()
    {
        var graph = TestGraphs.Ring(Nodes, 2);
        var attack = new AttackSpec(AttackKind.SignFlip, 0.1);
        var attackFree = Run(graph, AlgorithmKind.DPsgd, null, null);
        var undefended = Run(graph, AlgorithmKind.DPsgd, null, attack);
        var defended = Run(graph, AlgorithmKind.DPsgd, AggregationSpec.Parse("clipped:auto"), attack);

        var attacker = Assert.Single(undefended.Attackers!);
        Assert.Equal(undefended.Attackers, defended.Attackers);
        var clean = attackFree.Last!.MeanTestAccuracy!.Value;
        Assert.True(undefended.Last!.MeanHonestTestAccuracy < clean - 0.03, $"undefended {undefended.Last.MeanHonestTestAccuracy:P2} vs {clean:P2}");
        Assert.InRange(defended.Last!.MeanHonestTestAccuracy!.Value, clean - 0.015, 1.0);

        // Every honest neighbour of the attacker clipped it more than any other peer.
        foreach (var neighbour in graph.Followers(attacker))
        {
            Assert.Equal(attacker, defended.Counts!.MostPenalizedBy(neighbour));
        }

        // Clipped or discarded by every neighbour in (nearly) every round: the first rounds start from one common model.
        var penalized = defended.Counts!.ClippedTotal(attacker) + defended.Counts.DiscardedTotal(attacker);
        Assert.InRange(penalized, 0.99 * Rounds * graph.Followers(attacker).Length, Rounds * graph.Followers(attacker).Length);
    }

    [Fact]
    public void FedAvg_GaussianAttacker_BreaksTheMean_TrimmedMeanAndKrumHold_AndDiscardTheAttacker()
    {
        var graph = TestGraphs.Ring(Nodes, 2);
        var attack = new AttackSpec(AttackKind.Gaussian, 0.1);
        var attackFree = Run(graph, AlgorithmKind.FedAvg, null, null, rounds: 60);
        var undefended = Run(graph, AlgorithmKind.FedAvg, null, attack, rounds: 60);
        var clean = attackFree.Last!.MeanTestAccuracy!.Value;
        Assert.True(undefended.Last!.MeanHonestTestAccuracy < clean - 0.1, $"undefended {undefended.Last.MeanHonestTestAccuracy:P2} vs {clean:P2}");
        foreach (var rule in new[] { "trimmed:1", "krum:1", "median" })
        {
            var defended = Run(graph, AlgorithmKind.FedAvg, AggregationSpec.Parse(rule), attack, rounds: 60);
            Assert.InRange(defended.Last!.MeanHonestTestAccuracy!.Value, clean - 0.02, 1.0);
            var attacker = Assert.Single(defended.Attackers!);
            Assert.Equal(60, defended.Counts!.DiscardedTotal(attacker));
        }
    }

    [Fact]
    public void Attackers_AreDrawnBySeed_NeverAll()
    {
        var spec = new AttackSpec(AttackKind.Alie, 0.125);
        Assert.Equal(spec.ChooseAttackers(16, 1), spec.ChooseAttackers(16, 1));
        Assert.Equal(2, spec.ChooseAttackers(16, 1).Length);
        Assert.NotEqual(spec.ChooseAttackers(16, 1), spec.ChooseAttackers(16, 2));
        Assert.Equal(2, new AttackSpec(AttackKind.SignFlip, 0.99).ChooseAttackers(3, 1).Length);
        Assert.Single(new AttackSpec(AttackKind.SignFlip, 0.01).ChooseAttackers(3, 1));
    }

    [Theory]
    [InlineData("sign-flip:0.125", AttackKind.SignFlip, 0.125)]
    [InlineData("alie:0.2", AttackKind.Alie, 0.2)]
    public void AttackSpec_Parse_KindAndFraction(string text, AttackKind kind, double fraction) =>
        Assert.Equal(new AttackSpec(kind, fraction), AttackSpec.Parse(text));

    [Theory]
    [InlineData("flip:0.1", "unknown attack")]
    [InlineData("gaussian", "give the fraction")]
    [InlineData("gaussian:1", "must be in (0, 1)")]
    public void AttackSpec_Parse_BadText_IsNamed(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => AttackSpec.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("sign-flip", AttackKind.SignFlip)]
    [InlineData(" Label-Flip ", AttackKind.LabelFlip)]
    public void AttackSpec_ParseOnePeer_BareKind(string text, AttackKind kind) =>
        Assert.Equal(kind, AttackSpec.ParseOnePeer(text));

    [Theory]
    [InlineData("sign-flip:0.5", "attack 'sign-flip:0.5': a daemon is one peer, which attacks or not, so it takes no fraction; give the kind alone (sign-flip)")]
    [InlineData("gaussian:1", "so it takes no fraction")]
    [InlineData("flip", "unknown attack 'flip'; use one of: sign-flip, gaussian, label-flip, alie, as KIND")]
    public void AttackSpec_ParseOnePeer_FractionOrUnknownKind_IsRefusedAndNamed(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => AttackSpec.ParseOnePeer(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Alie_ZForSixteenPeersAndTwoAttackers_AndTheVectorIsMeanMinusZStd()
    {
        // s = 16/2 + 1 − 2 = 7, z = Φ⁻¹(9/16) ≈ 0.1573.
        Assert.Equal(0.1573, Attacks.AlieZ(16, 2), 3);
        Assert.Equal(0.0, Attacks.InverseNormal(0.5), 9);
        Assert.Equal(1.959964, Attacks.InverseNormal(0.975), 5);
        var destination = new float[1];
        Attacks.Alie([Values(1f), Values(3f)], 0.5, destination);
        Assert.Equal(1.5f, destination[0], 1e-6f);
    }

    [Fact]
    public void LabelFlip_FlipsEveryLabel()
    {
        var data = new Dataset("d", new float[3], [0, 1, 2], [1], 3);
        Assert.Equal([2L, 1L, 0L], data.WithFlippedLabels().Labels);
    }

    private static SimulationResult Run(Topology.Graph.TrustGraph graph, AlgorithmKind algorithm, AggregationSpec? aggregation, AttackSpec? attack, int rounds = Rounds)
    {
        var data = Data.Value;
        var streams = OnlineStreams.Build(data.Train, Nodes, rounds * 8, 0, 3);
        var learners = streams.Select(s => (ILocalLearner)new OnlineLogisticLearner(data.Train, s, 8, 0.05, data.Test)).ToArray();
        var options = new SimulationOptions(algorithm, rounds, 1, NetworkConditions.Perfect, EvalEvery: 0, Threads: 1, Aggregation: aggregation, Attack: attack);
        return new Simulator(_ => graph, learners, [OnlineLogisticLearner.InitialParameters(data.Train.FeatureCount)], options).Run();
    }

    private static float[] Values(params float[] values) => values;
}
