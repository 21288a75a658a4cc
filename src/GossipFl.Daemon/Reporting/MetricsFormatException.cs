namespace GossipFl.Daemon.Reporting;

/// <summary>A metrics file that cannot be read; the message names the file and line.</summary>
internal sealed class MetricsFormatException(string message) : Exception(message);
