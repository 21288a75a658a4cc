using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Files;

/// <summary>Every kind of bad input gives a clear TopologyException with the position at fault.</summary>
public class TopologyFileErrorTests
{
    private static TopologyException Fails(string yaml)
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Parse(yaml, "t.yaml"));
        Assert.Equal("t.yaml", ex.Path);
        Assert.NotEmpty(ex.Problems);
        return ex;
    }

    private static TopologyProblem Single(string yaml)
    {
        var ex = Fails(yaml);
        return Assert.Single(ex.Problems);
    }

    [Fact]
    public void Parse_YamlSyntaxError_ReportsLineAndColumn()
    {
        var problem = Single("version: 1\nnodes:\n  - name: a\n    trusts: [b\n");
        Assert.StartsWith("YAML syntax error", problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Line);
        Assert.NotNull(problem.Column);
    }

    [Fact]
    public void Parse_TabIndentation_IsASyntaxErrorNotACrash()
    {
        var problem = Single("version: 1\nnodes:\n\t- name: a\n");
        Assert.StartsWith("YAML syntax error", problem.Message, StringComparison.Ordinal);
        Assert.Equal((3, 1), (problem.Line, problem.Column));
    }

    [Fact]
    public void Parse_StrayBracketAfterDocumentEnd_IsASyntaxError()
    {
        // Found by the fuzz test: YamlDotNet throws InvalidOperationException here rather than YamlException.
        var problem = Single("...\n]");
        Assert.StartsWith("YAML syntax error", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# only a comment\n")]
    public void Parse_EmptyFile_SaysSo(string yaml)
    {
        var problem = Single(yaml);
        Assert.Contains("empty", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTrustedNode_PointsAtTheName()
    {
        var problem = Single("version: 1\nnodes:\n  - name: alice\n    trusts: [bob, zed]\n  - name: bob\n");
        Assert.Equal("node 'alice' trusts unknown node 'zed'", problem.Message);
        Assert.Equal(4, problem.Line);
        Assert.Equal(19, problem.Column);
    }

    [Fact]
    public void Parse_MisspeltTrustedNode_SuggestsTheClosestName()
    {
        var problem = Single("version: 1\nnodes:\n  - name: alice\n    trusts: [bobb]\n  - name: bob\n");
        Assert.Contains("did you mean 'bob'?", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateNode_NamesTheFirstDefinition()
    {
        var problem = Single("version: 1\nnodes:\n  - name: a\n  - name: b\n  - name: a\n");
        Assert.Equal("duplicate node 'a' (first defined at line 3)", problem.Message);
        Assert.Equal(5, problem.Line);
    }

    [Fact]
    public void Parse_SeveralProblems_AreAllReportedInFileOrder()
    {
        var ex = Fails("version: 2\nnodes:\n  - name: a\n    trusts: [x]\n  - name: a\n  - nmae: c\n");
        Assert.Equal(5, ex.Problems.Count);
        Assert.Equal(ex.Problems.OrderBy(p => p.Line).ThenBy(p => p.Column), ex.Problems);
        Assert.Contains("unsupported schema version 2", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("5 problems", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownGenerator_ListsTheKnownOnes()
    {
        var problem = Single("version: 1\ngenerator:\n  name: smallworld\n  nodes: 8\n  seed: 1\n");
        Assert.Contains("unknown generator 'smallworld' (did you mean 'small-world'?)", problem.Message, StringComparison.Ordinal);
        Assert.Contains("ring, directed-ring, complete, star, exponential, small-world, erdos-renyi, one-way-trust", problem.Message, StringComparison.Ordinal);
        Assert.Equal((3, 9), (problem.Line, problem.Column));
    }

    [Fact]
    public void Parse_UnknownParameter_NamesTheValidOnes()
    {
        var problem = Single("version: 1\ngenerator:\n  name: small-world\n  nodes: 8\n  seed: 1\n  parameters:\n    degree: 4\n");
        Assert.Equal("generator 'small-world' has no parameter 'degree'; valid parameters: k, p", problem.Message);
        Assert.Equal((7, 5), (problem.Line, problem.Column));
    }

    [Theory]
    [InlineData("ring", "k: 4", "8", "degree 2k = 8 must be less than the node count 8")]
    [InlineData("small-world", "k: 8", "8", "degree k = 8 must be less than the node count 8")]
    [InlineData("small-world", "k: 3", "8", "k must be even")]
    [InlineData("one-way-trust", "out_degree: 6", "8", "base_degree + out_degree = 8 must be less than the node count 8")]
    [InlineData("small-world", "p: 1.5", "8", "must lie in [0, 1] (got 1.5)")]
    [InlineData("erdos-renyi", "p: -0.1", "8", "must lie in [0, 1] (got -0.1)")]
    [InlineData("directed-ring", "k: -1", "8", "parameter 'k' must not be negative (got -1)")]
    [InlineData("star", "hub: 8", "8", "hub index 8 must be less than the node count 8")]
    [InlineData("erdos-renyi", "directed: maybe", "8", "parameter 'directed' must be true or false, not 'maybe'")]
    [InlineData("ring", "k: 1", "-3", "'nodes' must not be negative (got -3)")]
    [InlineData("ring", "k: 1", "0", "'nodes' must be at least 1 (got 0)")]
    [InlineData("ring", "k: 1", "eight", "'nodes' must be a whole number, not 'eight'")]
    public void Parse_ImpossibleParameters_AreExplained(string generator, string parameter, string nodes, string expected)
    {
        var ex = Fails($"version: 1\ngenerator:\n  name: {generator}\n  nodes: {nodes}\n  seed: 3\n  parameters:\n    {parameter}\n");
        Assert.Contains(ex.Problems, p => p.Message.Contains(expected, StringComparison.Ordinal) && p.Line is not null);
    }

    [Fact]
    public void Parse_RandomGeneratorWithoutSeed_AsksForOne()
    {
        var problem = Single("version: 1\ngenerator:\n  name: erdos-renyi\n  nodes: 8\n");
        Assert.Contains("needs a 'seed'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TimeVaryingDeterministicGenerator_IsRejected()
    {
        var problem = Single("version: 1\ngenerator:\n  name: ring\n  nodes: 8\n  time_varying: true\n");
        Assert.Contains("time_varying would give the same graph every round", problem.Message, StringComparison.Ordinal);
        Assert.Equal(5, problem.Line);
    }

    [Fact]
    public void Parse_BothNodesAndGenerator_IsRejected()
    {
        var problem = Single("version: 1\nnodes:\n  - name: a\ngenerator:\n  name: ring\n  nodes: 3\n");
        Assert.Contains("either 'nodes:'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingVersion_IsReported()
    {
        var problem = Single("nodes:\n  - name: a\n");
        Assert.Contains("missing 'version: 1'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("address: \"10.0.0.1\"", "is not host:port")]
    [InlineData("address: \"10.0.0.1:70000\"", "is not host:port")]
    [InlineData("address: \"::1:7000\"", "is not host:port")]
    [InlineData("fingerprint: abc", "must be 'sha256:' followed by 64 hex digits")]
    [InlineData("name: \"bad name\"", "node name 'bad name' is not valid")]
    public void Parse_BadNodeFields_AreExplained(string field, string expected)
    {
        var yaml = field.StartsWith("name", StringComparison.Ordinal)
            ? $"version: 1\nnodes:\n  - {field}\n"
            : $"version: 1\nnodes:\n  - name: a\n    {field}\n";
        var problem = Single(yaml);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Line);
    }

    [Fact]
    public void Parse_GoodAddresses_AreAccepted()
    {
        var document = TopologyFileReader.Parse(
            "version: 1\nnodes:\n  - name: a\n    address: \"[::1]:7000\"\n  - name: b\n    address: peer.example.org:7070\n");
        Assert.Equal("[::1]:7000", document.Nodes[0].Address);
        Assert.Equal("peer.example.org:7070", document.Nodes[1].Address);
    }

    [Fact]
    public void Parse_TrainingSection_IsValidated()
    {
        var ex = Fails("version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: sgd\n  rounds: 0\n  learning_rate: fast\n  epochs: 3\n");
        Assert.Equal(4, ex.Problems.Count);
        Assert.Contains("unknown algorithm 'sgd'", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("'rounds' must be at least 1", ex.Problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("'learning_rate' must be a positive number", ex.Problems[2].Message, StringComparison.Ordinal);
        Assert.Contains("unknown key 'epochs'", ex.Problems[3].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("push-sum", true)]
    [InlineData("ops", true)]
    [InlineData("d-psgd", false)]
    [InlineData("dsgd", false)]
    public void Check_AlgorithmUnderEitherName_MeansTheSame(string algorithm, bool usableOnADirectedGraph)
    {
        var document = TopologyFileReader.Parse($"version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [c]\n  - name: c\n    trusts: [a]\ntraining:\n  algorithm: {algorithm}\n");

        var check = GossipFl.Topology.Analysis.TopologyCheck.Run(document);

        Assert.Equal(usableOnADirectedGraph, check.IsUsable);
        if (!usableOnADirectedGraph)
        {
            Assert.Contains($"algorithm {algorithm} needs a symmetric graph", check.Errors[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_TrainingModeAndStaleness_AreReadAndValidated()
    {
        var document = TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  mode: async\n  staleness: 3\n");
        Assert.Equal("async", document.Training?.Mode);
        Assert.Equal(3, document.Training?.Staleness);

        var ex = Fails("version: 1\nnodes:\n  - name: a\ntraining:\n  mode: sometimes\n  staleness: -1\n");
        Assert.Equal(2, ex.Problems.Count);
        Assert.Contains("unknown mode 'sometimes'; known modes: sync, async", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("'staleness' must not be negative (got -1)", ex.Problems[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TrainingCompressAndConsensusStep_AreReadAndValidated()
    {
        var document = TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  compress: topk:0.01\n  consensus_step: 0.05\n");
        Assert.Equal("topk:0.01", document.Training?.Compress);
        Assert.Equal(0.05, document.Training?.ConsensusStep);

        var ex = Fails("version: 1\nnodes:\n  - name: a\ntraining:\n  compress: zip\n  consensus_step: 2\n");
        Assert.Equal(2, ex.Problems.Count);
        Assert.Contains("unknown codec 'zip'; expected none, fp16, int8, sign or topk:FRACTION", ex.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("'consensus_step' must be a number in (0, 1], not '2'", ex.Problems[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("median")]
    [InlineData("trimmed:2")]
    [InlineData("krum:1")]
    [InlineData("normbound:0.5")]
    [InlineData("clipped:1e-3")]
    [InlineData("Clipped:Auto")]
    public void Parse_TrainingAggregation_AcceptsEveryRule(string rule)
    {
        var document = TopologyFileReader.Parse($"version: 1\nnodes:\n  - name: a\ntraining:\n  aggregation: {rule}\n");
        Assert.Equal(rule, document.Training?.Aggregation);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("trimmed:-1")]
    [InlineData("krum")]
    [InlineData("krum:1.5")]
    [InlineData("median:2")]
    [InlineData("clipped:0")]
    [InlineData("normbound:inf")]
    public void Parse_TrainingAggregation_ANonsenseRuleIsAnErrorAtItsLine(string rule)
    {
        // It used to pass `topology check` and surface only when a run started, blamed on an --aggregation flag that
        // was never given.
        var ex = Fails($"version: 1\nnodes:\n  - name: a\ntraining:\n  aggregation: {rule}\n");
        var problem = Assert.Single(ex.Problems);
        Assert.Equal((5, 16), (problem.Line, problem.Column));
        Assert.StartsWith($"unknown aggregation '{rule}'; expected mean, median, trimmed:F, krum:F, normbound:C, clipped:TAU, clipped:auto", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_IsATopologyExceptionNamingThePath()
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Load("/nonexistent/topology.yaml"));
        Assert.Equal("/nonexistent/topology.yaml: no such file", ex.Message);
    }

    [Fact]
    public void Load_Directory_SaysItIsADirectory()
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Load(Path.GetTempPath()));
        Assert.EndsWith("is a directory, not a topology file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SelfTrust_IsAWarningNotAnEdge()
    {
        var document = TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\n    trusts: [a, b]\n  - name: b\n    trusts: [a]\n");
        Assert.Equal(2, document.Graph.EdgeCount);
        var warning = Assert.Single(document.Warnings);
        Assert.Contains("lists itself", warning.Message, StringComparison.Ordinal);
        Assert.Equal((4, 14), (warning.Line, warning.Column));
    }

    [Fact]
    public void Parse_DuplicateMappingKey_IsReportedWithPosition()
    {
        var problem = Single("version: 1\nversion: 1\nnodes:\n  - name: a\n");
        Assert.Contains("Duplicate key version", problem.Message, StringComparison.Ordinal);
        Assert.Equal((2, 1), (problem.Line, problem.Column));
    }
}
