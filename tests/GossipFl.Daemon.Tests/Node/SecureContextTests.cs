using GossipFl.Daemon.Node;

namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// The context every secure-aggregation key and signature is bound to: a signature made for one task, term, round,
/// attempt, threshold, sample size or coordinator must not verify for any other, so each of them changes it.
/// </summary>
public sealed class SecureContextTests
{
    [Fact]
    public void SecureContext_ChangesWithEveryFieldItBinds()
    {
        byte[] task = [1, 2, 3];
        var reference = FedAvgDriver.SecureContext(task, 4, 7, 0, 5, 6, "n1");
        byte[][] others =
        [
            FedAvgDriver.SecureContext([1, 2, 4], 4, 7, 0, 5, 6, "n1"),
            FedAvgDriver.SecureContext(task, 5, 7, 0, 5, 6, "n1"),
            FedAvgDriver.SecureContext(task, 4, 8, 0, 5, 6, "n1"),
            FedAvgDriver.SecureContext(task, 4, 7, 1, 5, 6, "n1"),
            FedAvgDriver.SecureContext(task, 4, 7, 0, 4, 6, "n1"),
            FedAvgDriver.SecureContext(task, 4, 7, 0, 5, 7, "n1"),
            FedAvgDriver.SecureContext(task, 4, 7, 0, 5, 6, "n2"),
        ];

        Assert.Equal(32, reference.Length);
        Assert.Equal(reference, FedAvgDriver.SecureContext(task, 4, 7, 0, 5, 6, "n1"));
        Assert.All(others, other => Assert.NotEqual(reference, other));
        Assert.Equal(others.Length, others.Select(Convert.ToHexString).Distinct().Count());
    }
}
