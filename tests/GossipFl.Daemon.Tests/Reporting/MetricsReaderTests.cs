using GossipFl.Daemon.Reporting;

namespace GossipFl.Daemon.Tests.Reporting;

public sealed class MetricsReaderTests
{
    [Fact]
    public void Read_SampleRun_ParsesRoundsNodesAndConfiguration()
    {
        using var sample = new SampleRun();

        var run = MetricsReader.Read(sample.Path);

        Assert.Equal(SampleRun.Rounds, run.Rounds.Count);
        Assert.Equal((4 * SampleRun.Rounds) - (SampleRun.Rounds - SampleRun.StoppedAfter), run.Nodes.Count);
        Assert.Equal(["node-0", "node-1", "node-2", "node-3"], run.NodeNames);
        Assert.Equal(SampleRun.Rounds, run.LastRound);
        Assert.Equal(0.5 + (0.03 * 2) + 0.01, run.Nodes.Single(n => n.Round == 2 && n.Node == "node-1").TestAccuracy);
        Assert.Null(run.Nodes[0].TestLoss);
        Assert.Equal("ops", run.Configuration!.Value.GetProperty("algorithm").GetString());
    }

    [Fact]
    public void Read_PerDaemonSubdirectories_MergesThem()
    {
        using var sample = new SampleRun();
        var daemonDirectory = Path.Combine(sample.Path, "node-9");
        Directory.CreateDirectory(daemonDirectory);
        File.WriteAllText(Path.Combine(daemonDirectory, "metrics.jsonl"), "{\"kind\":\"node\",\"round\":1,\"node\":\"node-9\",\"train_loss\":1.5}\n");

        var run = MetricsReader.Read(sample.Path);

        Assert.Contains("node-9", run.NodeNames);
    }

    [Fact]
    public void Read_CorruptLine_ThrowsNamingFileAndLine()
    {
        using var sample = new SampleRun();
        var file = Path.Combine(sample.Path, "metrics.jsonl");
        var lines = File.ReadAllLines(file).ToList();
        lines.Insert(4, "{\"kind\":\"node\",\"round\":");
        File.WriteAllLines(file, lines);

        var error = Assert.Throws<MetricsFormatException>(() => MetricsReader.Read(sample.Path));

        Assert.StartsWith($"{file}:5: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"kind\":\"round\"}", ":1: missing \"round\"")]
    [InlineData("{\"kind\":\"node\",\"round\":3}", ":1: a node line needs \"node\"")]
    [InlineData("[1,2]", ":1: expected a JSON object")]
    [InlineData("{\"kind\":\"round\",\"round\":1.5}", ":1: ")]
    public void Read_InvalidRecord_ThrowsNamingTheProblem(string line, string expected)
    {
        using var sample = new SampleRun();
        var file = Path.Combine(sample.Path, "metrics.jsonl");
        File.WriteAllText(file, line + "\n");

        var error = Assert.Throws<MetricsFormatException>(() => MetricsReader.Read(sample.Path));

        Assert.Contains(file + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DirectoryWithoutMetrics_ThrowsSayingWhatIsMissing()
    {
        var directory = Directory.CreateTempSubdirectory("gossipfl-empty-");
        try
        {
            var error = Assert.Throws<MetricsFormatException>(() => MetricsReader.Read(directory.FullName));

            Assert.Contains("no metrics.jsonl here or in its sub-directories", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete();
        }
    }

    [Fact]
    public void Read_MissingDirectory_ThrowsNamingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), "gossipfl-nothing-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<DirectoryNotFoundException>(() => MetricsReader.Read(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
