using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Peers prove they run the same task: a daemon whose topology declares another class list carries another task
/// signature in its handshake, is refused by the others (logged once, shown in /status) and never mixed in, while
/// the rest train on.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class TaskMismatchTests
{
    private const string Nodes = "version: 1\nnodes:\n";

    [Fact]
    public async Task APeerOfAnotherTask_IsRefusedByTheOthers_WhileTheyTrainOn()
    {
        using var daemons = new DaemonProcesses(3);
        string[] names = ["n1", "n2", "n3"];
        var agreed = WriteTopology(daemons, "agreed.yaml", names, "[cat, dog]");
        var other = WriteTopology(daemons, "other.yaml", names, "[cat, dog, bird]");
        string[] run = ["--rounds", "6", "--round-deadline", "1.5", "--peer-wait", "30", "--eval-every", "3", "--local-steps", "5", "--batch-size", "8"];
        for (var i = 0; i < names.Length; i++)
        {
            var data = WriteData(daemons.Root, names[i], seed: i);
            string[] status = i == 0 ? ["--status-port", "0"] : [];
            daemons.Start(i < 2 ? agreed : other, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), "--data", data, .. status, .. run]);
        }

        var refused = await PeerStateAsync(daemons.DataDirectory("n1"), "n3", TimeSpan.FromSeconds(60));
        Assert.StartsWith("refused: runs another task (signature ", refused, StringComparison.Ordinal);

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(2));
        Assert.True(exits["n1"] == 0 && exits["n2"] == 0, $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        foreach (var honest in new[] { "n1", "n2" })
        {
            var log = daemons.Log(honest);
            var refusal = Assert.Single(log, line => line.Contains("refusing n3: it runs another task", StringComparison.Ordinal));
            var signatures = System.Text.RegularExpressions.Regex.Match(refusal, "its signature ([0-9a-f]{16}), ours ([0-9a-f]{16})");
            Assert.True(signatures.Success, refusal);
            Assert.NotEqual(signatures.Groups[1].Value, signatures.Groups[2].Value);
            Assert.Contains(log, line => line.Contains("finished all 6 rounds", StringComparison.Ordinal));
            // The two that agree still exchange models every round.
            Assert.Contains(log, line => line.Contains("round 5 done", StringComparison.Ordinal) && line.Contains("shares from 1 of 2 trusted peers", StringComparison.Ordinal));
        }

        Assert.Contains(daemons.Log("n3"), line => line.Contains("refusing n1: it runs another task", StringComparison.Ordinal));
        Assert.DoesNotContain(daemons.Log("n3"), line => line.Contains("shares from 1 of", StringComparison.Ordinal) || line.Contains("shares from 2 of", StringComparison.Ordinal));
    }

    private static string WriteTopology(DaemonProcesses daemons, string file, string[] names, string classes)
    {
        var path = Path.Combine(daemons.Root, file);
        var nodes = names.Select((n, i) => string.Create(CultureInfo.InvariantCulture,
            $"  - {{ name: {n}, trusts: [{string.Join(", ", names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"));
        File.WriteAllText(path, Nodes + string.Concat(nodes) + $"training:\n  model: logreg\n  seed: 3\n  task:\n    input: 2\n    classes: {classes}\n");
        return path;
    }

    /// <summary>A node's own CSV: two features, "cat" when their sum is positive, else "dog".</summary>
    private static string WriteData(string root, string node, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("a,b,label\n");
        for (var i = 0; i < 200; i++)
        {
            var (a, b) = (random.NextDouble() * 2 - 1, random.NextDouble() * 2 - 1);
            text.Append(CultureInfo.InvariantCulture, $"{a:0.0000},{b:0.0000},{(a + b > 0 ? "cat" : "dog")}\n");
        }

        var path = Path.Combine(root, node + ".csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>Polls a node's /status until it reports a state for <paramref name="peer"/> other than "not heard".</summary>
    private static async Task<string> PeerStateAsync(string dataDirectory, string peer, TimeSpan deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + deadline;
        var last = "(no status)";
        while (DateTime.UtcNow < until)
        {
            var url = Path.Combine(dataDirectory, "status.url");
            if (File.Exists(url) && File.ReadAllText(url).Trim() is { Length: > 0 } address)
            {
                try
                {
                    using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(new Uri(address), "/status")));
                    last = json.RootElement.GetProperty("peers").EnumerateArray()
                        .Single(p => p.GetProperty("name").GetString() == peer).GetProperty("state").GetString()!;
                    if (last.StartsWith("refused", StringComparison.Ordinal))
                    {
                        return last;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet, or already gone: try again.
                }
            }

            await Task.Delay(200);
        }

        return last;
    }
}
