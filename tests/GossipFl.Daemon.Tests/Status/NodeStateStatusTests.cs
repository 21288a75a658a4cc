using System.Net;
using System.Text.Json;
using GossipFl.Daemon.Node;
using GossipFl.Daemon.Status;
using GossipFl.Learning.Robustness;

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
        state.RoundDone(3, 0.25, 1.0, Evaluated.None, [1f]);
        state.RoundDone(4, null, 1.0, new Evaluated(0.5, 0.75, null, null), [2f]);

        await using var server = await StatusServer.StartAsync(new Source(state), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)));

        Assert.Equal(4, json.RootElement.GetProperty("round").GetInt64());
        Assert.Equal(0.25, json.RootElement.GetProperty("train_loss").GetDouble());
        Assert.Equal(0.75, json.RootElement.GetProperty("test_accuracy").GetDouble());
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.DoesNotContain("NaN", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANodeOnItsOwnData_ReportsValidationApartFromTest_AndAPeerOfAnotherTaskAsRefused()
    {
        var state = new NodeState("p1", "ops", ["p0", "p2"], ["p0"]) { TaskSignature = "00112233aabbccdd" };
        state.RoundDone(4, 0.3, 1.0, new Evaluated(null, null, 0.4, 0.875), [2f]);
        Assert.True(state.TaskMismatch("p2", "ffeeddccbbaa9988"));
        Assert.False(state.TaskMismatch("p2", "ffeeddccbbaa9988"));

        await using var server = await StatusServer.StartAsync(new Source(state), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)));

        Assert.Equal(0.875, json.RootElement.GetProperty("validation_accuracy").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("test_accuracy").ValueKind);
        Assert.Equal("00112233aabbccdd", json.RootElement.GetProperty("task_signature").GetString());
        var p2 = json.RootElement.GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "p2");
        Assert.Equal("refused: runs another task (signature ffeeddccbbaa9988)", p2.GetProperty("state").GetString());
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("gossipfl_validation_accuracy{node=\"p1\"} 0.875", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("gossipfl_test_accuracy{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RobustAggregation_CountsPerPeer_InStatusAndMetrics_AndNamesTheMostClippedPeer()
    {
        var state = new NodeState("p1", "dsgd", ["p0", "p2", "p3"], ["p0", "p2", "p3"]) { Aggregation = "clipped:auto" };
        for (var round = 0; round < 3; round++)
        {
            state.Judged([("p0", ContributionOutcome.Kept), ("p2", ContributionOutcome.Discarded), ("p3", round == 0 ? ContributionOutcome.Clipped : ContributionOutcome.Kept)]);
        }

        state.Judged([("p3", ContributionOutcome.Clipped)]);
        await using var server = await StatusServer.StartAsync(new Source(state), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };
        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)));

        Assert.Equal("clipped:auto", json.RootElement.GetProperty("aggregation").GetString());
        Assert.Equal("p2", json.RootElement.GetProperty("most_clipped").GetString());
        var peers = json.RootElement.GetProperty("peers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal((0L, 3L), (peers["p2"].GetProperty("clipped").GetInt64(), peers["p2"].GetProperty("discarded").GetInt64()));
        Assert.Equal((2L, 0L), (peers["p3"].GetProperty("clipped").GetInt64(), peers["p3"].GetProperty("discarded").GetInt64()));
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("gossipfl_peer_discarded_total{node=\"p1\",peer=\"p2\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("gossipfl_peer_clipped_total{node=\"p1\",peer=\"p3\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("gossipfl_peer_clipped_total{node=\"p1\",peer=\"p0\"} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRobustRule_NoPeerIsNamed()
    {
        var state = new NodeState("p1", "ops", ["p0"], ["p0"]);
        state.Judged([("p0", ContributionOutcome.Kept)]);
        Assert.Null(state.Snapshot().MostClipped);
        Assert.Equal("mean", state.Snapshot().Aggregation);
    }

    [Fact]
    public async Task Model_ServesRawFloatsByDefault_AndSafeTensorsWhenAsked()
    {
        var state = new NodeState("p1", "ops", ["p0"], ["p0"]);
        state.RoundDone(7, 0.3, 1.0, Evaluated.None, [1.5f, -2f]);
        var layout = new[] { new GossipFl.Learning.Torch.ParameterInfo("linear.weight", [1, 1], 0), new GossipFl.Learning.Torch.ParameterInfo("linear.bias", [1], 1) };
        var source = new Source(state, (round, parameters) => GossipFl.Learning.Models.ModelFile.ToSafeTensors(layout, parameters, new Dictionary<string, string> { ["gossipfl.round"] = round.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        await using var server = await StatusServer.StartAsync(source, IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };

        var raw = await http.GetByteArrayAsync(new Uri("/model", UriKind.Relative));
        Assert.Equal(8, raw.Length);

        var bytes = await http.GetByteArrayAsync(new Uri("/model?format=safetensors", UriKind.Relative));
        var (tensors, metadata) = GossipFl.Learning.Models.SafeTensorsFile.Read(bytes, "/model");
        Assert.Equal(["linear.weight", "linear.bias"], tensors.Select(t => t.Name));
        Assert.Equal([1.5f], tensors[0].ToFloats());
        Assert.Equal("7", metadata["gossipfl.round"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/model", UriKind.Relative));
        request.Headers.Accept.ParseAdd(StatusServer.SafeTensorsContentType);
        using var response = await http.SendAsync(request);
        Assert.Equal(StatusServer.SafeTensorsContentType, response.Content.Headers.ContentType?.MediaType);
    }

    private sealed class Source(NodeState state, Func<long, float[], byte[]>? safeTensors = null) : INodeStatusSource
    {
        public NodeStatus Snapshot() => state.Snapshot();

        public (long Round, float[] Parameters)? Model() => state.Model();

        public byte[]? ModelAsSafeTensors(long round, float[] parameters) => safeTensors?.Invoke(round, parameters);
    }
}
