using System.Diagnostics;
using System.Text.Json;

namespace GossipFl.Daemon.Tests.Cli;

public sealed class TopologyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gossipfl-topology-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static TheoryData<string> ReadyFiles() => new(
        "ring.yaml", "directed-ring.yaml", "small-world.yaml", "one-way-trust.yaml", "exponential.yaml", "star.yaml", "complete.yaml", "friends.yaml");

    [Theory]
    [MemberData(nameof(ReadyFiles))]
    public async Task Check_ReadyFile_ExitsZeroWithoutWarnings(string file)
    {
        var (exit, output, error) = await CliRunner.RunAsync("topology", "check", RepoPaths.Topology(file));
        Assert.Equal(0, exit);
        Assert.Contains(": ok: ", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Check_BadFile_ListsEveryProblemWithPositionAndExitsOne()
    {
        var path = Write("bad.yaml", "version: 1\nnodes:\n  - name: a\n    trusts: [b, zed]\n  - name: b\n  - name: a\n  - name: c\n    colour: red\n");
        var (exit, output, error) = await CliRunner.RunAsync("topology", "check", path);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"error: {path}:4:17: node 'a' trusts unknown node 'zed'", lines[0]);
        Assert.Equal($"error: {path}:6:11: duplicate node 'a' (first defined at line 3)", lines[1]);
        Assert.StartsWith($"error: {path}:8:5: unknown key 'colour' in a node", lines[2], StringComparison.Ordinal);
        Assert.Equal($"{path}: not usable (3 problems)", lines[3]);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_YamlSyntaxError_ReportsPositionWithoutStackTrace()
    {
        var path = Write("syntax.yaml", "version: 1\nnodes: [a, b\n");
        var (exit, _, error) = await CliRunner.RunAsync("topology", "check", path);
        Assert.Equal(1, exit);
        Assert.Contains($"error: {path}:3:1: YAML syntax error", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_EmptyFile_SaysItIsEmpty()
    {
        var (exit, _, error) = await CliRunner.RunAsync("topology", "check", Write("empty.yaml", ""));
        Assert.Equal(1, exit);
        Assert.Contains("the file is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingFile_IsAUserError()
    {
        var (exit, _, error) = await CliRunner.RunAsync("topology", "check", Path.Combine(_dir, "nope.yaml"));
        Assert.Equal(1, exit);
        Assert.Contains("nope.yaml: no such file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NotStronglyConnected_WarnsButPasses_UnlessStrict()
    {
        var path = Write("split.yaml", "version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [a]\n  - name: c\n    trusts: [a]\n");
        var (exit, output, error) = await CliRunner.RunAsync("topology", "check", path);
        Assert.Equal(0, exit);
        Assert.Contains("2 strongly connected components", output, StringComparison.Ordinal);
        Assert.Contains($"warning: {path}: the graph is not strongly connected", error, StringComparison.Ordinal);
        Assert.Contains($"warning: {path}: 1 node is trusted by no one, so its data reaches no other model: c", error, StringComparison.Ordinal);

        var strict = await CliRunner.RunAsync("topology", "check", "--strict", path);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("not usable (2 problems)", strict.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_DpsgdOnADirectedGraph_IsAnError()
    {
        var path = Write("dpsgd.yaml", "version: 1\ngenerator:\n  name: directed-ring\n  nodes: 4\ntraining:\n  algorithm: d-psgd\n");
        var (exit, _, error) = await CliRunner.RunAsync("topology", "check", path);
        Assert.Equal(1, exit);
        Assert.Contains("algorithm d-psgd needs a symmetric graph", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OneNodeFedAvg_WarnsButPasses_InTheWordsOfSimulate()
    {
        var path = Write("alone.yaml", "version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: fedavg\n");
        var (exit, output, error) = await CliRunner.RunAsync("topology", "check", path);
        Assert.Equal(0, exit);
        Assert.Contains(": ok: 1 node", output, StringComparison.Ordinal);
        Assert.Equal(
            $"warning: {path}: algorithm fedavg on 1 node: the coordinator is its own only client, so every round trains on that node's data alone and nothing is federated",
            error.TrimEnd());
    }

    [Fact]
    public async Task Check_CompressWithDol_IsAnErrorAtTheCodecsLine()
    {
        var path = Write("dol.yaml", "version: 1\ngenerator:\n  name: ring\n  nodes: 4\ntraining:\n  algorithm: dol\n  compress: int8\n");
        var (exit, _, error) = await CliRunner.RunAsync("topology", "check", path);
        Assert.Equal(1, exit);
        Assert.StartsWith($"error: {path}:7:13: 'compress: int8' does not go with 'algorithm: dol': compressed gossip runs with ops", error, StringComparison.Ordinal);
        Assert.Contains("dol has no compressed form", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Text_ReportsStructureAndSpectralGap()
    {
        var (exit, output, error) = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("ring.yaml"));
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("nodes:              8", output, StringComparison.Ordinal);
        Assert.Contains("trust relations:    16", output, StringComparison.Ordinal);
        Assert.Contains("strongly connected: yes", output, StringComparison.Ordinal);
        Assert.Contains("diameter:           4", output, StringComparison.Ordinal);
        // Ring of 8 with Metropolis-Hastings weights 1/3: SLEM = 1/3 + 2/3 cos(pi/4) = 0.804738.
        Assert.Contains("spectral gap:       0.195262 (SLEM 0.804738, metropolis-hastings weights)", output, StringComparison.Ordinal);
        Assert.Contains("node-0  [node-1, node-7]  ->  [node-1, node-7]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_SpectralLimit_SkipsTheSpectrumAboveIt()
    {
        var (exit, output, _) = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("ring.yaml"), "--spectral-limit", "4");
        Assert.Equal(0, exit);
        Assert.Contains("spectral gap:       not computed (8 nodes exceed the limit of 4", output, StringComparison.Ordinal);
        var negative = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("ring.yaml"), "--spectral-limit", "-1");
        Assert.Equal(2, negative.ExitCode);
        Assert.Contains("--spectral-limit must not be negative", negative.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Dot_DrawsInformationFlowAndMutualTrustOnce()
    {
        var (exit, output, _) = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("friends.yaml"), "--format", "dot");
        Assert.Equal(0, exit);
        Assert.StartsWith("digraph \"friends\" {", output, StringComparison.Ordinal);
        Assert.Contains("\"dave\" -> \"carol\";", output, StringComparison.Ordinal); // carol trusts dave
        Assert.Contains("\"alice\" -> \"bob\" [dir=both];", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"bob\" -> \"alice\"", output, StringComparison.Ordinal);
        Assert.EndsWith("}" + Environment.NewLine, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_Names_ListsOneNodeNamePerLineInFileOrder()
    {
        var (exit, output, _) = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("friends.yaml"), "--format", "names");

        Assert.Equal(0, exit);
        Assert.Equal(["alice", "bob", "carol", "dave", "erin"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Show_Json_IsParseableAndComplete()
    {
        var (exit, output, _) = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("directed-ring.yaml"), "--format", "json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(8, root.GetProperty("node_count").GetInt32());
        Assert.Equal(8, root.GetProperty("edge_count").GetInt32());
        Assert.False(root.GetProperty("symmetric").GetBoolean());
        Assert.True(root.GetProperty("strongly_connected").GetBoolean());
        Assert.Equal(7, root.GetProperty("diameter").GetInt32());
        Assert.Equal("push-sum", root.GetProperty("spectrum").GetProperty("weights").GetString());
        Assert.Equal(1 - Math.Cos(Math.PI / 8), root.GetProperty("spectrum").GetProperty("spectral_gap").GetDouble(), 9);
        var node1 = root.GetProperty("nodes")[1];
        Assert.Equal("node-1", node1.GetProperty("name").GetString());
        Assert.Equal("node-0", node1.GetProperty("trusts")[0].GetString());
        Assert.Equal("node-2", node1.GetProperty("followers")[0].GetString());
    }

    [Fact]
    public async Task Show_Round_SelectsTheGraphOfThatRound()
    {
        var path = Write("tv.yaml", "version: 1\ngenerator:\n  name: one-way-trust\n  nodes: 12\n  seed: 4\n  time_varying: true\n");
        var round1 = await CliRunner.RunAsync("topology", "show", path, "--format", "json", "--round", "1");
        var round1Again = await CliRunner.RunAsync("topology", "show", path, "--format", "json", "--round", "1");
        var round2 = await CliRunner.RunAsync("topology", "show", path, "--format", "json", "--round", "2");
        Assert.Equal(0, round1.ExitCode);
        Assert.Equal(round1.Output, round1Again.Output);
        Assert.NotEqual(Nodes(round1.Output), Nodes(round2.Output));
    }

    [Fact]
    public async Task Show_MetropolisHastingsOnADirectedGraph_IsAUsageError()
    {
        var (exit, _, error) = await CliRunner.RunAsync("topology", "show", RepoPaths.Topology("directed-ring.yaml"), "--weights", "metropolis-hastings");
        Assert.Equal(2, exit);
        Assert.Contains("needs a symmetric graph", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_BadFile_PrintsAllProblemsAndExitsOne()
    {
        var path = Write("bad.yaml", "version: 1\ngenerator:\n  name: ring\n  nodes: 5\n  parameters:\n    k: 3\n    q: 1\n");
        var (exit, output, error) = await CliRunner.RunAsync("topology", "show", path);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains(":7:5: generator 'ring' has no parameter 'q'; valid parameters: k", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_WritesAFileThatChecksAndShowsTheSameGraph()
    {
        var (exit, output, _) = await CliRunner.RunAsync(
            "topology", "generate", "--generator", "small-world", "--nodes", "20", "--param", "k=4", "--param", "p=0.3", "--seed", "11");
        Assert.Equal(0, exit);
        Assert.Contains("name: small-world", output, StringComparison.Ordinal);
        Assert.Contains("seed: 11", output, StringComparison.Ordinal);
        var path = Write("gen.yaml", output);
        Assert.Equal(0, (await CliRunner.RunAsync("topology", "check", path)).ExitCode);

        var target = Path.Combine(_dir, "explicit.yaml");
        var written = await CliRunner.RunAsync(
            "topology", "generate", "--generator", "small-world", "--nodes", "20", "--param", "k=4", "--param", "p=0.3", "--seed", "11", "--explicit", "-o", target);
        Assert.Equal(0, written.ExitCode);
        Assert.Contains("trusts: [", File.ReadAllText(target), StringComparison.Ordinal);
        var fromRecipe = await CliRunner.RunAsync("topology", "show", path, "--format", "json");
        var fromExplicit = await CliRunner.RunAsync("topology", "show", target, "--format", "json");
        Assert.Equal(Nodes(fromRecipe.Output), Nodes(fromExplicit.Output));
    }

    [Theory]
    [InlineData(new[] { "--generator", "smallworld" }, "unknown generator 'smallworld'; known generators: ring, directed-ring")]
    [InlineData(new[] { "--generator", "ring", "--param", "degree=2" }, "generator 'ring' has no parameter 'degree'; valid parameters: k")]
    [InlineData(new[] { "--generator", "ring", "--nodes", "4", "--param", "k=2" }, "degree 2k = 4 must be less than the node count 4")]
    [InlineData(new[] { "--generator", "ring", "--nodes", "-1" }, "--nodes must be at least 1 (got -1)")]
    [InlineData(new[] { "--generator", "erdos-renyi", "--param", "p=2" }, "must lie in [0, 1] (got 2)")]
    [InlineData(new[] { "--generator", "complete", "--time-varying" }, "draws no random numbers")]
    [InlineData(new[] { "--generator", "ring", "--param", "k" }, "--param 'k' must look like NAME=VALUE")]
    public async Task Generate_BadRequest_ExplainsAndExitsOne(string[] args, string expected)
    {
        var (exit, output, error) = await CliRunner.RunAsync(["topology", "generate", .. args]);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameFile_GivesTheSameGraphInAnotherProcess()
    {
        // Peers are separate processes: a child gossipfl must derive exactly the graph this process does.
        var path = Write("tv.yaml", "version: 1\ngenerator:\n  name: one-way-trust\n  nodes: 40\n  seed: 123456789\n  time_varying: true\n  parameters: { base_degree: 2, out_degree: 3, p: 0.2 }\n");
        var inProcess = await CliRunner.RunAsync("topology", "show", path, "--format", "json", "--round", "9");
        var child = await RunChildAsync("topology", "show", path, "--format", "json", "--round", "9");
        Assert.Equal(0, child.ExitCode);
        Assert.Equal(Nodes(inProcess.Output), Nodes(child.Output));
    }

    private static string Nodes(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("nodes").GetRawText();
    }

    private static async Task<(int ExitCode, string Output)> RunChildAsync(params string[] args)
    {
        // The test assembly sits in artifacts/bin/GossipFl.Daemon.Tests/<config>/; gossipfl beside it in GossipFl.Daemon.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Name;
        var dll = Path.Combine(RepoPaths.Root, "artifacts", "bin", "GossipFl.Daemon", configuration, "gossipfl.dll");
        Assert.True(File.Exists(dll), "gossipfl.dll not built at " + dll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        Assert.Equal("", await error);
        return (process.ExitCode, await output);
    }
}
