using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Files;

public sealed class SecureAggregationSettingTests
{
    [Fact]
    public void Parse_TrainingSecureAggregation_IsReadAsABoolean_AndAnythingElseRefused()
    {
        var document = TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: fedavg\n  secure_aggregation: true\n");
        Assert.True(document.Training?.SecureAggregation);
        Assert.Null(TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: fedavg\n").Training?.SecureAggregation);

        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  secure_aggregation: maybe\n"));
        Assert.Contains("'secure_aggregation' must be true or false, not 'maybe'", ex.Problems[0].Message, StringComparison.Ordinal);
    }
}
