using System.Globalization;
using GossipFl.Daemon.Node;
using Microsoft.Extensions.Logging.Abstractions;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>`gossipfl watch` follows a run from the files its daemons write; without a terminal it writes plain lines.</summary>
public sealed class WatchCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gossipfl-watch-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Watch_FinishedRun_SaysRoundLossAccuracyAndConsensusInOneLine_AndEnds()
    {
        // Two push-sum nodes at their last round: x = (2, 0) with w = 2 and x = (3, 0) with w = 1 de-bias to (1, 0)
        // and (3, 0), each 1 away (squared) from their mean (2, 0).
        Node("a", loss: 0.5, accuracy: 0.75, weight: 2, x: [2f, 0f]);
        Node("b", loss: 0.25, accuracy: 0.85, weight: 1, x: [3f, 0f]);

        var result = GossipFlProcess.Run(TimeSpan.FromMinutes(1), null, "watch", _root, "--rounds", "5", "--interval", "0.2");

        Assert.True(result.ExitCode == 0, result.Error);
        var line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("round 5/5 (slowest of 2 peers), mean train loss 0.3750, mean test accuracy 80.00%, consensus distance 1e0", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Watch_PeersHoldingOneModel_SayConsensusDistance0_NotInExponentForm()
    {
        // FedAvg peers all hold the global model: x = (1, 2) with w = 1 at both.
        Node("a", loss: 0.5, accuracy: 0.75, weight: 1, x: [1f, 2f]);
        Node("b", loss: 0.25, accuracy: 0.75, weight: 1, x: [1f, 2f]);

        var result = GossipFlProcess.Run(TimeSpan.FromMinutes(1), null, "watch", _root, "--rounds", "5", "--interval", "0.2");

        Assert.True(result.ExitCode == 0, result.Error);
        var line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("consensus distance 0,", line + ",", StringComparison.Ordinal);
    }

    private void Node(string name, double loss, double accuracy, double weight, float[] x)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, "metrics.jsonl"), string.Create(CultureInfo.InvariantCulture,
            $"{{\"kind\":\"node\",\"round\":4,\"node\":\"{name}\",\"train_loss\":{loss},\"test_loss\":0.5,\"test_accuracy\":{accuracy},\"weight\":{weight},\"bytes_sent\":0,\"bytes_received\":0}}\n"));
        new CheckpointStore(directory, NullLogger.Instance).Save(4, weight, x);
    }
}
