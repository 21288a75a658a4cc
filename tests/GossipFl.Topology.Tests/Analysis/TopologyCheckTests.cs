using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Analysis;

public sealed class TopologyCheckTests
{
    [Fact]
    public void Check_FedAvgOnOneNode_IsUsable_WithAWarningThatNothingIsFederated()
    {
        // The coordinator samples itself, so the run trains (simulate and start run it); it used to be refused here.
        var check = TopologyCheck.Run(TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: fedavg\n"));

        Assert.True(check.IsUsable);
        var warning = Assert.Single(check.Warnings);
        Assert.Equal(
            "algorithm fedavg on 1 node: the coordinator is its own only client, so every round trains on that node's data alone and nothing is federated",
            warning.Message);
    }

    [Fact]
    public void Check_FedAvgOnTwoNodes_SaysNothing() =>
        Assert.Empty(TopologyCheck.Run(TopologyFileReader.Parse(
            "version: 1\nnodes:\n  - name: a\n    trusts: [b]\n  - name: b\n    trusts: [a]\ntraining:\n  algorithm: fedavg\n")).Warnings);
}
