using System.Globalization;
using System.Text.Json;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Each daemon subscribes to the peers it trusts and says so when it leaves: every node learns which of its
/// followers are there, and its status shows it.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class SubscriptionTests
{
    [Fact]
    public async Task Followers_Subscribe_AndSayWhenTheyLeave()
    {
        using var daemons = new DaemonProcesses(3);
        // A one-way ring: b trusts a, c trusts b, a trusts c. So a's follower is b, and a trusts c.
        string[] trusts = ["c", "a", "b"];
        var topology = Path.Combine(daemons.Root, "ring.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(trusts.Select((t, i) => string.Create(CultureInfo.InvariantCulture,
            $"  - {{ name: {(char)('a' + i)}, trusts: [{t}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        string[] run = ["--model", "logreg", "--dataset", "synthetic", "--partition", "iid", "--local-steps", "50", "--batch-size", "16",
            "--eval-every", "0", "--rounds", "100000", "--round-deadline", "2", "--peer-wait", "60", "--status-port", "0"];
        for (var i = 0; i < 3; i++)
        {
            daemons.Start(topology, ((char)('a' + i)).ToString(), ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. run]);
        }

        await daemons.WaitForLogAsync("a", "b follows this node (subscribed)", TimeSpan.FromMinutes(2));
        var peers = await PeersOfAsync(daemons, "a");
        Assert.True(peers["b"].GetProperty("subscribed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, peers["c"].GetProperty("subscribed").ValueKind);

        Assert.Equal(0, daemons.Terminate("b"));
        await daemons.WaitForLogAsync("a", "b stopped following this node (it is leaving)", TimeSpan.FromSeconds(30));
        peers = await PeersOfAsync(daemons, "a");
        Assert.False(peers["b"].GetProperty("subscribed").GetBoolean());
    }

    private static async Task<Dictionary<string, JsonElement>> PeersOfAsync(DaemonProcesses daemons, string node)
    {
        var url = File.ReadAllText(Path.Combine(daemons.DataDirectory(node), "status.url")).Trim();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(new Uri(url), "status")));
        return status.RootElement.GetProperty("peers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.Clone());
    }
}
