namespace GossipFl.Daemon.Cli.Topology;

/// <summary>Checks a --round value before it reaches the library, so the user sees a usage error.</summary>
internal static class TopologyRounds
{
    public static void Validate(long round)
    {
        if (round < 0)
        {
            throw new UsageException($"--round must not be negative (got {round})");
        }
    }
}
