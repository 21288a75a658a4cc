namespace GossipFl.Daemon.Tests.Node;

/// <summary>
/// Daemon test classes whose outcome depends on short deadlines (a peer that is late by a fraction of a second) or
/// that keep a core busy on purpose (a deliberately slow daemon) run one at a time: on two cores, one would make the
/// other's punctual peers late.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TimedDaemonRuns
{
    public const string Name = "Timed daemon runs";
}
