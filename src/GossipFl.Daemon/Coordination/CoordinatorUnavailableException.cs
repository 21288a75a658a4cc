namespace GossipFl.Daemon.Coordination;

/// <summary>A FedAvg peer went without a coordinator for longer than it is configured to wait; the message says why.</summary>
internal sealed class CoordinatorUnavailableException(string message) : Exception(message);
