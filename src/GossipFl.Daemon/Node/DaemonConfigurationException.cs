namespace GossipFl.Daemon.Node;

/// <summary>A daemon asked to do something its topology or settings make impossible; the message says what.</summary>
internal sealed class DaemonConfigurationException(string message) : Exception(message);
