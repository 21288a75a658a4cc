using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GossipFl.Daemon.Security;
using Xunit.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// FedAvg with <c>--secure-aggregation</c> over the real transport (docs/secure-aggregation.md): eight daemons reach
/// the accuracy of plain FedAvg on the same settings, and a client killed after its masked input was acknowledged is
/// recovered from its peers' shares so that the round completes with its update in the sum.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed partial class SecureAggregationDaemonTests(ITestOutputHelper output)
{
    private const int Rounds = 6;

    [Fact]
    public async Task EightDaemons_WithSecureAggregation_EndWithinHalfAPointOfPlainFedAvg()
    {
        var plain = await RunAsync(secure: false);
        var secure = await RunAsync(secure: true);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plain: accuracy {plain.Accuracy:P2}, {plain.Seconds:0.0} s, {plain.BytesSent} bytes sent; secure: accuracy {secure.Accuracy:P2}, {secure.Seconds:0.0} s, {secure.BytesSent} bytes sent; secure rounds took {string.Join(", ", secure.RoundMilliseconds.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))} ms"));
        Assert.InRange(Math.Abs(secure.Accuracy - plain.Accuracy), 0, 0.005);
        Assert.Equal(Rounds, secure.RoundMilliseconds.Count);
    }

    [Fact]
    public async Task AClientKilledAfterItsMaskedInput_IsRecoveredFromShares_AndTheRoundCompletes()
    {
        const int nodes = 5;
        const long crashRound = 2;
        using var daemons = new DaemonProcesses(nodes);
        var names = Enumerable.Range(1, nodes).Select(k => $"n{k}").ToArray();
        var topology = WriteTopology(daemons, names, secure: true, clientFraction: 1);
        const string victim = "n5";
        for (var i = 0; i < nodes; i++)
        {
            // The victim never stands for election (its timeout is far beyond the run), so it is a client when it dies.
            string[] role = names[i] == victim
                ? ["--election-timeout", "60", "--leaderless-timeout", "300", "--crash-after-masked-input", $"{crashRound}"]
                : ["--election-timeout", "0.5"];
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), "--eval-every", $"{Rounds}",
                "--round-deadline", "60", "--peer-wait", "60", .. role]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        var survivors = names.Where(n => n != victim).ToArray();
        Assert.True(survivors.All(n => exits[n] == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        Assert.NotEqual(0, exits[victim]);

        // The victim's masked input of round 2 is in the sum: all 5 inputs, though it never sent its unmasking shares.
        var coordinator = CoordinatorLog.Elections(daemons, survivors).Last().Node;
        var log = daemons.Log(coordinator);
        Assert.Contains(log, line => line.Contains($"round {crashRound} (term", StringComparison.Ordinal)
            && line.Contains("securely aggregated the masked inputs of 5 of 5 clients", StringComparison.Ordinal)
            && line.Contains("unmasked with the shares of 4,", StringComparison.Ordinal));
        Assert.Contains(daemons.Log(victim), line => line.Contains($"round {crashRound}: masked input acknowledged; crashing now", StringComparison.Ordinal));
        // Later rounds sample the 4 that are left, and every survivor holds the last round's model.
        Assert.Contains(log, line => line.Contains($"round {Rounds - 1} (term", StringComparison.Ordinal)
            && line.Contains("securely aggregated the masked inputs of 4 of 4 clients", StringComparison.Ordinal));
        Assert.All(survivors, n => Assert.Contains(daemons.Log(n), line => line.Contains($"round {Rounds - 1} done", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TooFewClientsLeftToUnmask_TheRoundFailsWithoutUnmasking_AndIsRedoneWithTheLivePeers()
    {
        const int nodes = 6;
        const long crashRound = 1;
        using var daemons = new DaemonProcesses(nodes);
        var names = Enumerable.Range(1, nodes).Select(k => $"n{k}").ToArray();
        var topology = WriteTopology(daemons, names, secure: true, clientFraction: 1);
        string[] victims = ["n5", "n6"];
        for (var i = 0; i < nodes; i++)
        {
            // n = 6, t = 5: with two clients dead after their masked inputs only 4 can sign the survivor list (round 4),
            // so the round fails before anyone is asked for an unmasking share.
            string[] role = victims.Contains(names[i])
                ? ["--election-timeout", "60", "--leaderless-timeout", "300", "--crash-after-masked-input", $"{crashRound}"]
                : ["--election-timeout", "0.5"];
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), "--eval-every", $"{Rounds}",
                "--round-deadline", "60", "--peer-wait", "60", .. role]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        var survivors = names.Except(victims).ToArray();
        Assert.True(survivors.All(n => exits[n] == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");

        var coordinator = CoordinatorLog.Elections(daemons, survivors).Last().Node;
        var log = daemons.Log(coordinator);
        Assert.Contains(log, line => line.Contains($"round {crashRound} (term", StringComparison.Ordinal)
            && line.Contains("secure aggregation failed, nothing unmasked: only 4 clients signed the survivor list, fewer than the threshold 5; redoing the round", StringComparison.Ordinal));
        // Redone with the four that are left (t = 3); the model of the failed attempt was never published.
        Assert.Contains(log, line => line.Contains($"round {crashRound} (term", StringComparison.Ordinal)
            && line.Contains("securely aggregated the masked inputs of 4 of 4 clients", StringComparison.Ordinal));
        Assert.All(survivors, n => Assert.Single(daemons.Log(n), line => line.Contains($"round {crashRound} done", StringComparison.Ordinal)));
        Assert.All(survivors, n => Assert.Contains(daemons.Log(n), line => line.Contains($"round {Rounds - 1} done", StringComparison.Ordinal)));
    }

    private static async Task<RunResult> RunAsync(bool secure)
    {
        const int nodes = 8;
        using var daemons = new DaemonProcesses(nodes);
        var names = Enumerable.Range(1, nodes).Select(k => $"n{k}").ToArray();
        var topology = WriteTopology(daemons, names, secure, clientFraction: 0.5);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < nodes; i++)
        {
            // n1 is the likely coordinator (the shortest timeout), so both runs usually sample the same clients.
            var timeout = names[i] == "n1" ? "0.5" : "1";
            daemons.Start(topology, names[i], ["--port", daemons.Ports[i].ToString(CultureInfo.InvariantCulture), "--eval-every", $"{Rounds}",
                "--round-deadline", "60", "--peer-wait", "60", "--election-timeout", timeout]);
        }

        var exits = await daemons.WaitAllAsync(TimeSpan.FromMinutes(4));
        var seconds = clock.Elapsed.TotalSeconds;
        Assert.True(exits.Values.All(code => code == 0), $"exit codes {string.Join(", ", exits)}\n{daemons.Logs()}");
        var accuracy = names.Select(n => LastTestAccuracy(daemons.DataDirectory(n))).Average();
        var bytes = names.Sum(n => JsonDocument.Parse(File.ReadAllText(Path.Combine(daemons.DataDirectory(n), "status.json"))).RootElement.GetProperty("bytes_sent").GetInt64());
        var milliseconds = names.SelectMany(n => daemons.Log(n)).Select(line => SecureRound().Match(line)).Where(m => m.Success)
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        return new RunResult(accuracy, seconds, bytes, milliseconds);
    }

    /// <summary>
    /// Every member's identity is made in its data directory beforehand and pinned (as `gossipfl identity` and a rollout
    /// would): secure aggregation checks the signed round keys against the pins and refuses to start without them.
    /// </summary>
    private static string WriteTopology(DaemonProcesses daemons, string[] names, bool secure, double clientFraction)
    {
        var topology = Path.Combine(daemons.Root, "cluster.yaml");
        var fingerprints = names.ToDictionary(n => n, n =>
        {
            using var identity = NodeIdentity.LoadOrCreate(daemons.DataDirectory(n));
            return identity.Fingerprint;
        });
        File.WriteAllText(topology, "version: 1\nnodes:\n" + string.Concat(names.Select((n, i) => string.Create(CultureInfo.InvariantCulture,
                $"  - {{ name: {n}, trusts: [{string.Join(", ", names.Where(m => m != n))}], address: \"127.0.0.1:{daemons.Ports[i]}\", fingerprint: \"sha256:{fingerprints[n]}\" }}\n")))
            + "training:\n  algorithm: fedavg\n  model: logreg\n  dataset: synthetic\n  partition: iid\n"
            + string.Create(CultureInfo.InvariantCulture, $"  rounds: {Rounds}\n  local_epochs: 1\n  client_fraction: {clientFraction}\n  batch_size: 32\n  learning_rate: 0.05\n  seed: 7\n")
            + (secure ? "  secure_aggregation: true\n" : ""));
        return topology;
    }

    private static double LastTestAccuracy(string dataDirectory) => File.ReadLines(Path.Combine(dataDirectory, "metrics.jsonl"))
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Where(line => line.GetProperty("kind").GetString() == "node" && line.GetProperty("test_accuracy").ValueKind == JsonValueKind.Number)
        .Select(line => line.GetProperty("test_accuracy").GetDouble())
        .Last();

    [GeneratedRegex(@"securely aggregated .* in (\d+) ms")]
    private static partial Regex SecureRound();

    private sealed record RunResult(double Accuracy, double Seconds, long BytesSent, List<double> RoundMilliseconds);
}
