using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using GossipFl.Daemon.Status;

namespace GossipFl.Daemon.Tests.Status;

public sealed class StatusServerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Status_ServesTheSnapshotAsSnakeCaseJson()
    {
        await using var server = await StatusServer.StartAsync(new FakeNode(), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };

        using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/status", UriKind.Relative)));

        var root = json.RootElement;
        Assert.Equal("node-2", root.GetProperty("node").GetString());
        Assert.Equal(7, root.GetProperty("round").GetInt64());
        Assert.Equal(0.8125, root.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(3, root.GetProperty("drops").GetProperty("unauthenticated").GetInt64());
        Assert.Equal("node-1", root.GetProperty("peers")[0].GetProperty("name").GetString());
        Assert.True(root.GetProperty("peers")[0].GetProperty("trusted").GetBoolean());
    }

    [Fact]
    public async Task StartingStatusServers_TakesNoInotifyInstances()
    {
        // Each configuration file watcher holds an inotify instance, 128 per user by default: 64 daemons on one host
        // (two watchers each, the host's and this server's) ran out of them and the 64th failed to start.
        var before = InotifyInstances();
        var servers = new List<StatusServer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                servers.Add(await StatusServer.StartAsync(new FakeNode(), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline));
            }

            Assert.Equal(before, InotifyInstances());
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static int InotifyInstances() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd =>
        {
            try
            {
                return fd.LinkTarget == "anon_inode:inotify";
            }
            catch (IOException)
            {
                return false; // closed while we looked
            }
        });

    [Fact]
    public async Task Metrics_ServesPrometheusTextWithEscapedLabels()
    {
        await using var server = await StatusServer.StartAsync(new FakeNode(), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };

        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE gossipfl_round gauge\ngossipfl_round{node=\"node-2\"} 7\n", text, StringComparison.Ordinal);
        Assert.Contains("gossipfl_dropped_total{node=\"node-2\",reason=\"unauthenticated\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("gossipfl_peer_last_seen_seconds{node=\"node-2\",peer=\"we\\\"ird\\\\name\"}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("gossipfl_test_loss{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_ServesLittleEndianFloatsWithTheRound()
    {
        await using var server = await StatusServer.StartAsync(new FakeNode(), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };

        using var response = await http.GetAsync(new Uri("/model", UriKind.Relative));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("7", response.Headers.GetValues(StatusServer.ModelRoundHeader).Single());
        Assert.Equal([0.5f, -2f, 3.25f], Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))));
    }

    [Fact]
    public async Task Model_BeforeFirstRound_Is503()
    {
        await using var server = await StatusServer.StartAsync(new FakeNode(hasModel: false), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };

        using var response = await http.GetAsync(new Uri("/model", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Start_BindsLoopbackOnly_AndHealthzAnswers()
    {
        await using var server = await StatusServer.StartAsync(new FakeNode(), IPAddress.Loopback, 0, null, CancellationToken.None).WaitAsync(Deadline);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = Deadline };

        Assert.Equal("127.0.0.1", server.Address.Host);
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
    }

    private sealed class FakeNode(bool hasModel = true) : INodeStatusSource
    {
        public NodeStatus Snapshot() => new(
            "node-2", "ops", "training", 7, 0.41, null, 0.8125, 1.125, 1000, 2000,
            new Dictionary<string, long> { ["unauthenticated"] = 3, ["replayed"] = 0 },
            [
                new PeerStatus("node-1", Trusted: true, Follower: false, "10.0.0.1:7070", DateTimeOffset.UtcNow.AddSeconds(-2), "up"),
                new PeerStatus("we\"ird\\name", Trusted: false, Follower: true, null, DateTimeOffset.UtcNow.AddSeconds(-30), "down"),
            ],
            DateTimeOffset.UtcNow.AddMinutes(-1));

        public (long Round, float[] Parameters)? Model() => hasModel ? (7, [0.5f, -2f, 3.25f]) : null;
    }
}
