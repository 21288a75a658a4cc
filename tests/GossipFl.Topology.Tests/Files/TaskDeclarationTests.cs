using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Files;

public sealed class TaskDeclarationTests
{
    private const string Nodes = "version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [a]\n";

    private static TaskDeclaration? Read(string task) =>
        TopologyFileReader.Parse(Nodes + "training:\n  task:\n" + task, "t.yaml").Training?.Task;

    private static string Problem(string task)
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Parse(Nodes + "training:\n  task:\n" + task, "t.yaml"));
        return ex.Message;
    }

    [Fact]
    public void Parse_ImageTask_ReadsEveryField()
    {
        var task = Read("    input: [1, 28, 28]\n    classes: [shirt, shoe, bag]\n    range: [0, 255]\n    normalize: {mean: 0.286, std: 0.353}\n    resize: true\n")!;

        Assert.Equal([1, 28, 28], task.InputShape);
        Assert.Equal(784, task.FeatureCount);
        Assert.Equal(["shirt", "shoe", "bag"], task.Classes);
        Assert.Equal((0.0, 255.0), task.Range);
        Assert.Equal([0.286], task.Mean!);
        Assert.Equal([0.353], task.Std!);
        Assert.True(task.Resize);
    }

    [Fact]
    public void Parse_TableTaskWithClassCount_NamesClassesByTheirIds()
    {
        var task = Read("    input: 18\n    classes: 2\n")!;

        Assert.Equal([18], task.InputShape);
        Assert.Equal(["0", "1"], task.Classes);
        Assert.Null(task.Range);
        Assert.Null(task.Mean);
        Assert.False(task.Resize);
    }

    [Theory]
    [InlineData("    classes: 3\n", "needs 'input'")]
    [InlineData("    input: 4\n", "needs 'classes'")]
    [InlineData("    input: [1, 0, 28]\n    classes: 3\n", "1 to 3 positive sizes")]
    [InlineData("    input: 4\n    classes: [a, b, a]\n", "class 'a' is listed twice")]
    [InlineData("    input: 4\n    classes: 1\n", "'classes' must be at least 2")]
    [InlineData("    input: 4\n    classes: 3\n    range: [5, 1]\n", "low < high")]
    [InlineData("    input: [3, 8, 8]\n    classes: 3\n    normalize: {mean: [0.1, 0.2], std: [1, 1]}\n", "one per channel")]
    [InlineData("    input: 4\n    classes: 3\n    normalize: {mean: 0}\n", "'mean' and 'std'")]
    [InlineData("    input: 4\n    classes: 3\n    normalize: {mean: 0, std: 0}\n", "'std' values must be positive")]
    [InlineData("    input: 4\n    classes: 3\n    shape: 4\n", "unknown key 'shape'")]
    public void Parse_BadTask_SaysWhatIsWrong(string task, string expected)
    {
        Assert.Contains(expected, Problem(task), StringComparison.Ordinal);
    }

    [Fact]
    public void ClassOf_NameFirstThenId()
    {
        var task = new TaskDeclaration([4], ["-1", "1", "7"]);

        Assert.Equal(0, task.ClassOf("-1"));
        Assert.Equal(1, task.ClassOf("1"));
        Assert.Equal(2, task.ClassOf("7"));
        Assert.Equal(2, task.ClassOf("2"));
        Assert.Equal(-1, task.ClassOf("3"));
        Assert.Equal(-1, task.ClassOf("cat"));
    }

    [Fact]
    public void Canonical_DiffersForEveryFieldAndNamesCannotCollide()
    {
        var basis = new TaskDeclaration([1, 28, 28], ["a", "b"], (0, 255), [0.5], [0.25]);
        string[] variants =
        [
            basis.Canonical(),
            new TaskDeclaration([784], ["a", "b"], (0, 255), [0.5], [0.25]).Canonical(),
            new TaskDeclaration([1, 28, 28], ["a", "c"], (0, 255), [0.5], [0.25]).Canonical(),
            new TaskDeclaration([1, 28, 28], ["a", "b"], (0, 1), [0.5], [0.25]).Canonical(),
            new TaskDeclaration([1, 28, 28], ["a", "b"], null, [0.5], [0.25]).Canonical(),
            new TaskDeclaration([1, 28, 28], ["a", "b"], (0, 255), [0.5], [0.3]).Canonical(),
            new TaskDeclaration([1, 28, 28], ["a", "b"], (0, 255), [0.5], [0.25], resize: true).Canonical(),
            new TaskDeclaration([1, 28, 28], ["ab", "1:"], (0, 255), [0.5], [0.25]).Canonical(),
            new TaskDeclaration([1, 28, 28], ["a", "b1:"], (0, 255), [0.5], [0.25]).Canonical(),
        ];

        Assert.Equal(variants.Length, variants.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(basis.Canonical(), new TaskDeclaration([1, 28, 28], ["a", "b"], (0, 255), [0.5], [0.25]).Canonical());
    }

    [Fact]
    public void Json_RoundTripsEveryField()
    {
        var task = new TaskDeclaration([3, 8, 8], ["a", "b/c", "d\"e"], (0, 255), [0.1, 0.2, 0.3], [1, 2, 3], resize: true);

        var back = TaskDeclaration.FromJson(task.ToJson());

        Assert.Equal(task.Canonical(), back.Canonical());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"classes\": [\"a\", \"b\"]}")]
    [InlineData("{\"input\": [0], \"classes\": [\"a\", \"b\"]}")]
    [InlineData("{\"input\": [\"x\"], \"classes\": [\"a\", \"b\"]}")]
    [InlineData("not json")]
    public void Json_NotAContract_IsAFormatException(string text)
    {
        Assert.Throws<FormatException>(() => TaskDeclaration.FromJson(text));
    }
}
