using Microsoft.Extensions.Logging.Console;

namespace GossipFl.Daemon.Node;

/// <summary>Options of <see cref="DaemonLogFormatter"/>: the node name printed on every line.</summary>
internal sealed class DaemonLogOptions : ConsoleFormatterOptions
{
    public string? Node { get; set; }
}
