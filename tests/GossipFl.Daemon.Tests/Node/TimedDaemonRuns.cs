namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Test classes whose outcome depends on short deadlines or lifetimes (a peer late by a fraction of a second, mDNS
/// records that live 3 s, an election timeout) or that keep the cores busy (several training daemons, a
/// deliberately slow one) run one at a time: on two cores, one would make the other's punctual peers late.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TimedDaemonRuns
{
    public const string Name = "Timed daemon runs";
}
