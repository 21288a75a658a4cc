namespace GossipFl.Daemon.Cli;

/// <summary>A command line that parses but asks for something impossible (e.g. a negative epoch count).</summary>
internal sealed class UsageException(string message) : Exception(message);
