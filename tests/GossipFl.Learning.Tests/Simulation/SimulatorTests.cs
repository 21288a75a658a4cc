using System.Text.Json;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Simulation;
using GossipFl.Learning.Tests.Algorithms;

namespace GossipFl.Learning.Tests.Simulation;

public sealed class SimulatorTests
{
    private static readonly Lazy<DatasetSplit> Data = new(() => SyntheticSusy.Generate(20_000, 2_000, 5));

    [Fact]
    public void Run_CancelledMidway_StopsAtARoundBoundaryAndKeepsTheRoundsDone()
    {
        var graph = TestGraphs.OneWayTrust(8, 2, 1, 1);
        var sink = new ListSink();
        using var cancel = new CancellationTokenSource();
        var progress = new Inline(p =>
        {
            if (p.Round == 6)
            {
                cancel.Cancel();
            }
        });
        var learners = Enumerable.Range(0, 8).Select(_ => new FixedLearner(4)).ToArray();
        var options = new SimulationOptions(AlgorithmKind.PushSum, 100, 1, NetworkConditions.Perfect, 0);

        var result = new Simulator(_ => graph, learners, [new float[4]], options, sink).Run(progress, cancel.Token);

        Assert.True(result.Cancelled);
        Assert.Equal(7, result.RoundsCompleted);
        Assert.Equal(7, sink.Rounds.Count);
        Assert.Equal(6, result.Last!.Round);
    }

    [Fact]
    public void OnlineOps_LearnsTheSyntheticTask_AndRegretFalls()
    {
        var data = Data.Value;
        var graph = TestGraphs.OneWayTrust(32, 4, 4, 2);
        var streams = OnlineStreams.Build(data.Train, 32, 400, 0, 3);
        var learners = streams.Select(s => (ILocalLearner)new OnlineLogisticLearner(data.Train, s, 1, 0.05, data.Test)).ToArray();
        var sink = new ListSink();
        var options = new SimulationOptions(AlgorithmKind.PushSum, 400, 1, NetworkConditions.Perfect, EvalEvery: 100, Threads: 2, ParallelTraining: true);

        var result = new Simulator(_ => graph, learners, [OnlineLogisticLearner.InitialParameters(data.Train.FeatureCount)], options, sink).Run();

        Assert.True(sink.Rounds[0].Regret > 0.69 - 1e-6, "the first loss is that of the zero model, log 2");
        Assert.True(result.Last!.Regret < sink.Rounds[49].Regret);
        Assert.InRange(result.Last.MeanTestAccuracy!.Value, 0.7, 1.0);
        Assert.Equal(32 * 4, sink.Nodes.Count);
        Assert.True(result.Last.ConsensusDistance < 0.01);
    }

    [Fact]
    public void OnlineCentralized_IsOneModelOnEveryPeersBatch()
    {
        var data = Data.Value;
        var streams = OnlineStreams.Build(data.Train, 16, 300, 0, 3);
        var pooled = OnlineStreams.Pooled(streams, 300, 1);
        Assert.Equal(16 * 300, pooled.Length);
        Assert.Equal(streams[1][0], pooled[1]);
        Assert.Equal(streams[0][1], pooled[16]);
        var learner = new OnlineLogisticLearner(data.Train, pooled, 16, 0.05, data.Test);

        var result = new CentralizedSimulation(learner, OnlineLogisticLearner.InitialParameters(data.Train.FeatureCount), 300, 100).Run();

        Assert.Equal(300, result.RoundsCompleted);
        Assert.InRange(result.Last!.MeanTestAccuracy!.Value, 0.7, 1.0);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void OnlineStreams_BetaFractionComesFromThePeersOwnCluster(double beta)
    {
        var data = Data.Value;
        const int nodes = 10;
        var streams = OnlineStreams.Build(data.Train, nodes, 4000, beta, 8);
        var again = OnlineStreams.Build(data.Train, nodes, 4000, beta, 8);
        Assert.Equal(streams, again);

        // A peer's cluster is a tenth of the pool, so uniform draws land in it 10% of the time.
        var clusterOf = ClusterMembership(nodes);
        var inOwn = streams.Select((s, k) => s.Count(i => clusterOf(k, i))).Sum() / (double)(nodes * 4000);
        Assert.InRange(inOwn, beta + ((1 - beta) * 0.1) - 0.03, beta + ((1 - beta) * 0.1) + 0.03);
    }

    [Fact]
    public void MetricsWriter_WritesNullForMissingValuesAndTheCsvHeader()
    {
        using var directory = new TempDirectory();
        using (var writer = new MetricsWriter(directory.Path))
        {
            writer.WriteRun(new { algorithm = "ops" });
            writer.WriteRound(new RoundMetrics(0, 4, 3, 0.5, 0.5, null, null, null, double.NaN, 100, 0.25, Messages: 8, BytesPerNeighbour: 12.5));
            writer.WriteNode(new NodeMetrics(0, "node-0", null, null, 0.75, 1.5, 10, 20));
        }

        var lines = File.ReadAllLines(directory.File(MetricsWriter.MetricsFileName));
        Assert.Equal(2, lines.Length);
        using var round = JsonDocument.Parse(lines[0]);
        Assert.Equal(JsonValueKind.Null, round.RootElement.GetProperty("mean_test_accuracy").ValueKind);
        Assert.Equal(JsonValueKind.Null, round.RootElement.GetProperty("consensus_distance").ValueKind);
        using var node = JsonDocument.Parse(lines[1]);
        Assert.Equal("node-0", node.RootElement.GetProperty("node").GetString());
        Assert.Equal(0.75, node.RootElement.GetProperty("test_accuracy").GetDouble());
        var csv = File.ReadAllLines(directory.File(MetricsWriter.RoundsFileName));
        Assert.StartsWith("round,nodes,alive,mean_train_loss,regret,", csv[0], StringComparison.Ordinal);
        Assert.Equal("0,4,3,0.5,0.5,,,,,100,8,12.5,0.25", csv[1]);
        Assert.Equal(12.5, round.RootElement.GetProperty("bytes_per_neighbour").GetDouble());
        Assert.Contains("\"algorithm\": \"ops\"", File.ReadAllText(directory.File(MetricsWriter.RunFileName)), StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether sample i is in peer k's cluster, inferred from the β = 1 streams of the same seed (every draw of
    /// those is from the own cluster), so the test does not restate the clustering.
    /// </summary>
    private static Func<int, int, bool> ClusterMembership(int nodes)
    {
        var data = Data.Value;
        var pure = OnlineStreams.Build(data.Train, nodes, 20_000, 1.0, 8);
        var members = pure.Select(s => s.ToHashSet()).ToArray();
        return (k, i) => members[k].Contains(i);
    }

    private sealed class Inline(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) => report(value);
    }
}
