using GossipFl.Daemon.Node;
using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Algorithms;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// A synchronous and an asynchronous node in one run: each refuses the other's shares, counts them as
/// <c>mode_mismatch</c> and says once, naming both modes, what is wrong; both still finish.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class ModeMismatchTests
{
    private const int Length = 4;
    private const int Rounds = 4;
    private const string Pair = "version: 1\nnodes:\n  - { name: a, trusts: [b] }\n  - { name: b, trusts: [a] }\n";

    [Fact]
    public async Task SyncAndAsyncNodes_RefuseEachOthersShares_AndSayWhyOncePerPeer()
    {
        var hub = new ShareHub(Length);
        var topology = TopologyFileReader.Parse(Pair);
        var options = new RoundOptions(Rounds, TimeSpan.FromMilliseconds(300), EvaluateEvery: 0);
        var (syncState, syncLog) = (State(topology, "a"), new CapturingLogger());
        var (asyncState, asyncLog) = (State(topology, "b"), new CapturingLogger());
        var sync = new GossipRoundDriver("a", topology, Node(topology, "a"), new QuadraticLearner(Length, 1, 0.1, TimeSpan.Zero), hub.For("a"), options, syncState, null, null, syncLog);
        var async = new AsyncGossipDriver("b", topology, Node(topology, "b"), new QuadraticLearner(Length, 2, 0.1, TimeSpan.Zero), hub.For("b"), options, asyncState, null, null, asyncLog);

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await Task.WhenAll(Task.Run(() => sync.RunAsync(0, stop.Token)), Task.Run(() => async.RunAsync(0, stop.Token))).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(syncState.Snapshot().Drops.GetValueOrDefault("mode_mismatch") >= 1, Describe(syncState));
        Assert.True(asyncState.Snapshot().Drops.GetValueOrDefault("mode_mismatch") >= 1, Describe(asyncState));
        Assert.Equal(
            ["refusing shares from b: it runs --mode async and this node --mode sync; every peer of a run must use the same mode (training.mode in the topology file, or --mode)"],
            syncLog.Errors);
        Assert.Equal(
            ["refusing shares from a: it runs --mode sync and this node --mode async; every peer of a run must use the same mode (training.mode in the topology file, or --mode)"],
            asyncLog.Errors);
    }

    [Fact]
    public void EveryShareOfTheOtherModeIsRefusedAndCounted_TheErrorIsLoggedOncePerPeer()
    {
        var topology = TopologyFileReader.Parse(Pair);
        var state = State(topology, "a");
        var log = new CapturingLogger();
        var services = new RoundServices(
            "a", topology, Node(topology, "a"), new QuadraticLearner(Length, 1, 0.1, TimeSpan.Zero), new ShareHub(Length).For("a"),
            new RoundOptions(Rounds, TimeSpan.FromSeconds(1), EvaluateEvery: 0), state, null, null, log, asynchronous: false);

        for (var round = 0; round < 3; round++)
        {
            Assert.Null(services.Read(Incoming("b", new ModelShare(round, 0.5, 0.5, new float[Length], asynchronous: true))));
        }

        var accepted = services.Read(Incoming("b", new ModelShare(3, 0.5, 0.5, new float[Length])));

        Assert.NotNull(accepted);
        Assert.Equal(3, state.Snapshot().Drops["mode_mismatch"]);
        Assert.Single(log.Errors);
    }

    [Theory]
    [InlineData(GossipFl.Daemon.Transport.TransportFailure.ContextMismatch, "send_refused_other_task", 0)]
    [InlineData(GossipFl.Daemon.Transport.TransportFailure.PeerUnreachable, "send_failed", 1)]
    public async Task ASendRefusedBecauseThePeerRunsAnotherTask_IsCountedNotWarnedAboutEveryRound(
        GossipFl.Daemon.Transport.TransportFailure failure, string counted, int warnings)
    {
        var topology = TopologyFileReader.Parse(Pair);
        var state = State(topology, "a");
        var log = new CapturingLogger();
        var services = new RoundServices(
            "a", topology, Node(topology, "a"), new QuadraticLearner(Length, 1, 0.1, TimeSpan.Zero), new Failing(failure),
            new RoundOptions(Rounds, TimeSpan.FromSeconds(1), EvaluateEvery: 0), state, null, null, log, asynchronous: false);

        Assert.False(await services.SendAsync("b", 0, 0.5, 0.5, new float[Length], CancellationToken.None));

        Assert.Equal(1, state.Snapshot().Drops[counted]);
        Assert.Equal(warnings, log.Lines.Count(line => line.Contains("could not deliver the share to b", StringComparison.Ordinal)));
    }

    private sealed class Failing(GossipFl.Daemon.Transport.TransportFailure failure) : IShareExchange
    {
        public Task SendAsync(string peer, ReadOnlyMemory<byte> payload, TimeSpan deadline, CancellationToken cancellation) =>
            Task.FromException(new GossipFl.Daemon.Transport.TransportException(failure, $"{peer}: {failure}"));

        public ValueTask<IncomingPayload> ReceiveAsync(CancellationToken cancellation) => throw new InvalidOperationException("nothing arrives in this test");

        public bool TryReceive([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IncomingPayload? payload)
        {
            payload = null;
            return false;
        }
    }

    private static IncomingPayload Incoming(string sender, ModelShare share)
    {
        var bytes = new byte[share.Size];
        share.WriteTo(bytes);
        return new IncomingPayload(sender, bytes, null);
    }

    private static GossipNode Node(TopologyDocument topology, string name) => new(topology.Graph.IndexOf(name), AlgorithmKind.PushSum, new float[Length]);

    private static NodeState State(TopologyDocument topology, string name)
    {
        var graph = topology.Graph;
        var index = graph.IndexOf(name);
        return new NodeState(
            name, "ops", graph.Trusted(index).ToArray().Select(graph.NameOf).ToArray(), graph.Followers(index).ToArray().Select(graph.NameOf).ToArray());
    }

    private static string Describe(NodeState state) =>
        $"{state.Node} drops: {string.Join(", ", state.Snapshot().Drops.Select(d => $"{d.Key}={d.Value}"))}";
}
