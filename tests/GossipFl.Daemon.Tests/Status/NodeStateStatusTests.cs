using System.Net;
using System.Text.Json;
using GossipFl.Daemon.Node;
using GossipFl.Daemon.Status;

namespace GossipFl.Daemon.Tests.Status;

/// <summary>A node's live state as its status endpoint serves it.</summary>
public sealed class NodeStateStatusTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ARoundInWhichTheNodeDidNotTrain_KeepsItsLastTrainingLoss_AndStatusStillServes()
    {
        // A FedAvg peer trains only in the rounds it is sampled; the rounds between have no training loss.
        var state = new NodeState("p1", "fedavg", ["p0"], ["p0"]);
        state.RoundDone(3, 0.25, 1.0, null, null, [1f]);
        state.RoundDone(4, null, 1.0, 0.5, 0.75, [2f]);

        await using var server = await StatusServer.StartAsync(new Source(state), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)));

        Assert.Equal(4, json.RootElement.GetProperty("round").GetInt64());
        Assert.Equal(0.25, json.RootElement.GetProperty("train_loss").GetDouble());
        Assert.Equal(0.75, json.RootElement.GetProperty("test_accuracy").GetDouble());
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.DoesNotContain("NaN", metrics, StringComparison.Ordinal);
    }

    private sealed class Source(NodeState state) : INodeStatusSource
    {
        public NodeStatus Snapshot() => state.Snapshot();

        public (long Round, float[] Parameters)? Model() => state.Model();
    }
}
