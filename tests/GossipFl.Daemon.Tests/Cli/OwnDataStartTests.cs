namespace GossipFl.Daemon.Tests.Cli;

/// <summary>A daemon given data that does not fit the task refuses to start, in one line naming the file, the record and the mismatch.</summary>
public sealed class OwnDataStartTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gossipfl-own-start-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("x1,x2,x3,label\n0.1,0.2,0.3,cat\n0.4,0.5,0.6,dog\n0.7,0.8,label,dog\n", "line 4, column 3: feature 'label' is not a number")]
    [InlineData("x1,x2,label\n0.1,0.2,cat\n", "line 1: 2 feature columns (and a label), but the task's input [3] has 3 values")]
    [InlineData("x1,x2,x3,label\n0.1,0.2,0.3,cat\n0.4,0.5,0.6,bird\n", "line 3")]
    [InlineData("x1,x2,x3,label\n0.1,NaN,0.3,cat\n", "line 2, column 2")]
    [InlineData("", "empty")]
    public void Start_DataThatDoesNotFitTheTask_RefusesInOneLine(string csv, string expected)
    {
        var data = Path.Combine(_root, "mine.csv");
        File.WriteAllText(data, csv);

        var result = Start("--data", data);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {data}: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_UnknownClass_NamesTheLabelAndTheTasksClasses()
    {
        var data = Path.Combine(_root, "mine.csv");
        File.WriteAllText(data, "x1,x2,x3,label\n0.1,0.2,0.3,cat\n0.4,0.5,0.6,bird\n");

        var result = Start("--data", data);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'bird'", result.Error, StringComparison.Ordinal);
        Assert.Contains("'cat', 'dog'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_MissingLabelColumn_ListsTheHeader()
    {
        var data = Path.Combine(_root, "mine.csv");
        File.WriteAllText(data, "x1,x2,x3,label\n0.1,0.2,0.3,cat\n");

        var result = Start("--data", data, "--label-column", "class");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("label column 'class' is not in the header", result.Error, StringComparison.Ordinal);
        Assert.Contains("'x1', 'x2', 'x3', 'label'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_MissingDataFile_NamesIt()
    {
        var result = Start("--data", Path.Combine(_root, "absent.csv"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("absent.csv does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DataWithPartition_IsRefusedAsAContradiction()
    {
        var data = Path.Combine(_root, "mine.csv");
        File.WriteAllText(data, "x1,x2,x3,label\n0.1,0.2,0.3,cat\n");

        var result = Start("--data", data, "--partition", "iid");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--partition splits one shared data set", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DataWithoutATaskInTheTopology_SaysWhatToAdd()
    {
        var data = Path.Combine(_root, "mine.csv");
        File.WriteAllText(data, "x1,x2,x3,label\n0.1,0.2,0.3,cat\n");
        var topology = Path.Combine(_root, "bare.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [a]\n");

        var result = GossipFlProcess.Run("start", "--topology", topology, "--node", "a", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(_root, "state"), "--data", data);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--data needs the task every peer trains on: add 'task:' with 'input' and 'classes' under 'training:'", result.Error, StringComparison.Ordinal);
    }

    private GossipFlProcess.Result Start(params string[] extra)
    {
        var topology = Path.Combine(_root, "pair.yaml");
        File.WriteAllText(topology, "version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [a]\n"
            + "training:\n  model: logreg\n  task:\n    input: 3\n    classes: [cat, dog]\n");
        return GossipFlProcess.Run(["start", "--topology", topology, "--node", "a", "--no-mdns", "--status-port", "-1",
            "--data-dir", Path.Combine(_root, "state"), "--peer-wait", "0", "--rounds", "1", .. extra]);
    }
}
