using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>
/// <c>gossipfl start --config FILE</c> alone: the whole node from one file (as the systemd unit runs it), paths in
/// the file relative to the file, and the layering file &lt; GOSSIPFL_* &lt; flags.
/// </summary>
public sealed class StartConfigFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gossipfl-config-" + Guid.NewGuid().ToString("N"));

    public StartConfigFileTests()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "solo.yaml"), "version: 1\nname: solo\nnodes:\n  - name: solo\n");
    }

    [Fact]
    public void Start_ConfigFileOnly_RunsTheWholeNodeFromIt_WithPathsRelativeToTheFile()
    {
        var config = Write("solo.json", """
            {
              // every setting, the topology included, comes from this file
              "Topology": "solo.yaml",
              "Node": "solo",
              "DataDir": "state/solo",
              "Mdns": false,
              "Bind": "127.0.0.1",
              "StatusPort": -1,
              "Dataset": "synthetic",
              "Model": "logreg",
              "Rounds": 2,
            }
            """);

        // Started from another directory, as a service is (systemd starts it in /).
        var result = GossipFlProcess.Run(TimeSpan.FromMinutes(2), null, "start", "--config", config);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}:\n{result.Output}\n{result.Error}");
        Assert.Contains("finished all 2 rounds", result.Output + result.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_directory, "state", "solo", NodeIdentity.FileName)), "the data directory is relative to the config file");
    }

    [Fact]
    public void Start_NoTopologyAnywhere_SaysWhereOneCanBeGivenInOneLine()
    {
        var config = Write("no-topology.json", """{ "Node": "solo", "Rounds": 2 }""");

        var withConfig = GossipFlProcess.Run("start", "--config", config);
        var withNothing = GossipFlProcess.Run("start", "--node", "solo");

        Assert.Equal(2, withConfig.ExitCode);
        Assert.Equal($"error: no topology: {config} has no \"Topology\" and neither --topology nor GOSSIPFL_TOPOLOGY is given", withConfig.Error.Trim());
        Assert.Equal(2, withNothing.ExitCode);
        Assert.Equal("error: no topology: give --topology FILE (or --config FILE with \"Topology\" in it, or GOSSIPFL_TOPOLOGY)", withNothing.Error.Trim());
    }

    [Theory]
    [InlineData(false, false, "from-file")]
    [InlineData(true, false, "from-environment")]
    [InlineData(true, true, "from-flag")]
    public void Start_SameSettingInFileEnvironmentAndFlag_FlagBeatsEnvironmentBeatsFile(bool environment, bool flag, string winner)
    {
        // An impossible --mode is refused with the value that won, before anything starts.
        var config = Write("mode.json", """{ "Topology": "solo.yaml", "Node": "solo", "Mode": "from-file" }""");
        var variables = environment ? new Dictionary<string, string> { ["GOSSIPFL_MODE"] = "from-environment" } : null;
        string[] arguments = flag ? ["start", "--config", config, "--mode", "from-flag"] : ["start", "--config", config];

        var result = GossipFlProcess.Run(TimeSpan.FromMinutes(1), variables, arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--mode must be sync or async (got '{winner}')", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_TopologyFromEnvironment_IsUsedWithoutAnyFlag()
    {
        var variables = new Dictionary<string, string> { ["GOSSIPFL_TOPOLOGY"] = Path.Combine(_directory, "solo.yaml") };

        var result = GossipFlProcess.Run(TimeSpan.FromMinutes(1), variables, "start", "--node", "zed", "--no-mdns", "--status-port", "-1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: node 'zed' is not in", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_ConfigWithAMisspeltKey_NamesTheKeyInOneLine()
    {
        var config = Write("typo.json", """{ "Topology": "solo.yaml", "Rouns": 3 }""");

        var result = GossipFlProcess.Run("start", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {config}: unknown setting 'Rouns'", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Start_ConfigThatIsNotJson_SaysWhereInOneLine()
    {
        var config = Write("broken.json", """{ "Rounds": 3""");

        var result = GossipFlProcess.Run("start", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {config}: not a JSON object of settings:", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
