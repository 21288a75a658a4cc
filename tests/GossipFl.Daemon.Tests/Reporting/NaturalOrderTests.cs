using GossipFl.Daemon.Reporting;

namespace GossipFl.Daemon.Tests.Reporting;

public sealed class NaturalOrderTests
{
    [Fact]
    public void Order_NumberedNames_SortsByNumberNotByText()
    {
        string[] names = ["node-10", "node-2", "alice", "node-1", "node-002", "node-99999999999999999999", "node-3b", "node-3a"];

        var sorted = names.Order(NaturalOrder.Instance).ToArray();

        // Equal numbers (2 and 002) fall back to ordinal order, so the order is total and stable.

        Assert.Equal(["alice", "node-1", "node-002", "node-2", "node-3a", "node-3b", "node-10", "node-99999999999999999999"], sorted);
    }
}
