namespace GossipFl.Daemon.Tests.Deploy;

/// <summary>
/// The deployment tests install and purge the gossipfl package on this machine, so they run one at a time and
/// never beside another test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeploymentRuns
{
    public const string Name = "Deploy";
}
