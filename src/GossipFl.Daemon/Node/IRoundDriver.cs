namespace GossipFl.Daemon.Node;

/// <summary>Runs a node's rounds from <c>firstRound</c> to the configured count: synchronous or asynchronous (docs/algorithms.md).</summary>
internal interface IRoundDriver
{
    Task RunAsync(long firstRound, CancellationToken cancellation);
}
