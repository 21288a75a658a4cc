using System.Globalization;
using System.Text;
using System.Text.Json;
using GossipFl.Learning.Privacy;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Peer-level DP over the real transport: three daemons on loopback with clipping, noise and an ε budget. Each reports
/// its ε in /metrics while it runs and in its log and DATA/status.json at the end; the budget stops every node's
/// training before the round that would exceed it (one log line), and all of them still finish every round.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class PrivacyDaemonTests
{
    private const double Sigma = 2.0;
    private const double Delta = 1e-5;
    private const double Budget = 5.0;
    private const int Rounds = 10;

    [Fact]
    public async Task ThreeDaemons_WithAnEpsilonBudget_ReportEpsilon_StopTrainingBeforeTheBudget_AndFinish()
    {
        // The private rounds the budget allows: the largest k whose ε stays within it (4 for these figures).
        var account = new PrivacyAccount(Sigma, 1.0, Delta, Budget);
        while (account.CanSpendAnother)
        {
            account.Spend();
        }

        var allowed = account.Rounds;
        Assert.InRange(allowed, 1, Rounds - 2);

        using var daemons = new DaemonProcesses(3);
        string[] names = ["n1", "n2", "n3"];
        var topology = Path.Combine(daemons.Root, "t.yaml");
        var nodes = names.Select((n, i) => string.Create(CultureInfo.InvariantCulture,
            $"  - {{ name: {n}, trusts: [{string.Join(", ", names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"));
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(nodes) + string.Create(CultureInfo.InvariantCulture,
            $"training:\n  model: logreg\n  seed: 3\n  dp_clip: 1\n  dp_noise: {Sigma}\n  task:\n    input: 2\n    classes: [cat, dog]\n"));
        string[] run =
        [
            "--rounds", Rounds.ToString(CultureInfo.InvariantCulture), "--round-deadline", "3", "--peer-wait", "30", "--eval-every", "2",
            "--local-steps", "3", "--batch-size", "8", "--dp-delta", "1e-5", "--dp-epsilon-budget", Budget.ToString(CultureInfo.InvariantCulture),
        ];
        for (var i = 0; i < names.Length; i++)
        {
            string[] status = i == 0 ? ["--status-port", "0"] : [];
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), "--data", WriteData(daemons.Root, names[i], i), .. status, .. run]);
        }

        var metrics = await MetricsTextAsync(daemons.DataDirectory("n1"), TimeSpan.FromSeconds(60));
        Assert.Contains("gossipfl_privacy_epsilon{node=\"n1\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("gossipfl_privacy_delta{node=\"n1\"} 1E-05", metrics, StringComparison.Ordinal);

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(2));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        foreach (var name in names)
        {
            var log = daemons.Log(name);
            Assert.Contains(log, line => line.Contains($"finished all {Rounds} rounds", StringComparison.Ordinal));
            Assert.Single(log, line => line.Contains($"privacy budget: stopping before round {allowed} after {allowed} private rounds", StringComparison.Ordinal));
            Assert.Contains(log, line => line.Contains("round 1 done", StringComparison.Ordinal) && line.Contains("; ε = ", StringComparison.Ordinal) && line.Contains("at δ = 1E-05", StringComparison.Ordinal));
            // Peers kept exchanging after the stop: the stopped node relays, it does not vanish.
            Assert.Contains(log, line => line.Contains($"round {Rounds - 1} done", StringComparison.Ordinal) && line.Contains("shares from 2 of 2 trusted peers", StringComparison.Ordinal));

            var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(daemons.DataDirectory(name), "status.json"))).RootElement;
            Assert.Equal(Delta, status.GetProperty("delta").GetDouble());
            Assert.Equal(allowed, status.GetProperty("private_rounds").GetInt64());
            Assert.True(status.GetProperty("privacy_stopped").GetBoolean());
            var epsilon = status.GetProperty("epsilon").GetDouble();
            Assert.Equal(account.Epsilon, epsilon, 9);
            Assert.True(epsilon <= Budget);
        }
    }

    [Fact]
    public async Task ThreeDaemons_WithSampleLevelDp_LogTheLevel_AndReportTheEpsilonOfEveryStep()
    {
        const int rounds = 4;
        const double sigma = 1.2;
        // 200 rows each, none held out: 3 local steps of batch 8 a round, each a sampled Gaussian with q = 8 / 200.
        var expected = RdpAccountant.Epsilon(8.0 / 200, sigma, rounds * 3, Delta).Epsilon;
        using var daemons = new DaemonProcesses(3);
        string[] names = ["n1", "n2", "n3"];
        var topology = Path.Combine(daemons.Root, "t.yaml");
        var nodes = names.Select((n, i) => string.Create(CultureInfo.InvariantCulture,
            $"  - {{ name: {n}, trusts: [{string.Join(", ", names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"));
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(nodes) + string.Create(CultureInfo.InvariantCulture,
            $"training:\n  model: logreg\n  seed: 3\n  dp_sample_clip: 1\n  dp_sample_noise: {sigma}\n  task:\n    input: 2\n    classes: [cat, dog]\n"));
        string[] run =
        [
            "--rounds", rounds.ToString(CultureInfo.InvariantCulture), "--round-deadline", "3", "--peer-wait", "30", "--eval-every", "2",
            "--local-steps", "3", "--batch-size", "8", "--validation-fraction", "0", "--dp-delta", "1e-5",
        ];
        for (var i = 0; i < names.Length; i++)
        {
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), "--data", WriteData(daemons.Root, names[i], i), .. run]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(2));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        foreach (var name in names)
        {
            var log = daemons.Log(name);
            Assert.Contains(log, line => line.Contains("sample-level DP-SGD: clip 1 per sample, σ 1.2", StringComparison.Ordinal));
            Assert.Contains(log, line => line.Contains($"finished all {rounds} rounds", StringComparison.Ordinal));
            var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(daemons.DataDirectory(name), "status.json"))).RootElement;
            Assert.Equal(rounds, status.GetProperty("private_rounds").GetInt64());
            Assert.Equal(expected, status.GetProperty("epsilon").GetDouble(), 9);
        }
    }

    [Fact]
    public async Task FedAvgClients_WhoseBudgetIsSpent_DeclineWithZeroSamples_AndTheCoordinatorDoesNotWaitForThem()
    {
        var account = new PrivacyAccount(Sigma, 1.0, Delta, Budget);
        while (account.CanSpendAnother)
        {
            account.Spend();
        }

        var allowed = account.Rounds;
        using var daemons = new DaemonProcesses(3);
        string[] names = ["n0", "n1", "n2"];
        var topology = Path.Combine(daemons.Root, "cluster.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(names.Select((n, i) => string.Create(CultureInfo.InvariantCulture,
            $"  - {{ name: {n}, trusts: [{string.Join(", ", names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\" }}\n"))));
        // Every client is sampled every round; the deadline (10 minutes) is far longer than the test may take, so a
        // coordinator waiting for a client that declined would fail it.
        string[] training =
        [
            "--algorithm", "fedavg", "--model", "mlp:16", "--dataset", "synthetic", "--rounds", Rounds.ToString(CultureInfo.InvariantCulture),
            "--local-epochs", "1", "--client-fraction", "1", "--eval-every", "0", "--round-deadline", "600", "--peer-wait", "60", "--election-timeout", "0.5",
            "--dp-clip", "1", "--dp-noise", Sigma.ToString(CultureInfo.InvariantCulture), "--dp-delta", "1e-5", "--dp-epsilon-budget", Budget.ToString(CultureInfo.InvariantCulture),
        ];
        for (var i = 0; i < names.Length; i++)
        {
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), .. training]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(3));
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        Assert.Contains(names.SelectMany(daemons.Log), line => line.Contains("averaged updates from 0 of 3 clients", StringComparison.Ordinal));
        foreach (var name in names)
        {
            Assert.Single(daemons.Log(name), line => line.Contains($"privacy budget: stopping before round {allowed} after {allowed} private rounds", StringComparison.Ordinal));
            var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(daemons.DataDirectory(name), "status.json"))).RootElement;
            Assert.Equal(allowed, status.GetProperty("private_rounds").GetInt64());
            Assert.True(status.GetProperty("epsilon").GetDouble() <= Budget);
        }
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

    /// <summary>Polls a node's /metrics until it carries the privacy gauges (the node is up and has configured DP).</summary>
    private static async Task<string> MetricsTextAsync(string dataDirectory, TimeSpan deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + deadline;
        var last = "(no metrics)";
        while (DateTime.UtcNow < until)
        {
            var url = Path.Combine(dataDirectory, "status.url");
            if (File.Exists(url) && File.ReadAllText(url).Trim() is { Length: > 0 } address)
            {
                try
                {
                    last = await http.GetStringAsync(new Uri(new Uri(address), "/metrics"));
                    if (last.Contains("gossipfl_privacy_epsilon", StringComparison.Ordinal))
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
