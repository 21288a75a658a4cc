using System.Globalization;

namespace GossipFl.Topology;

/// <summary>
/// One thing wrong with a topology file or request. <see cref="Line"/> and <see cref="Column"/> are 1-based
/// and present when the problem sits at a place in the file; a problem about the graph as a whole has none.
/// </summary>
public sealed record TopologyProblem(string Message, int? Line = null, int? Column = null)
{
    /// <summary>"line:column: message", or just the message when the problem has no position.</summary>
    public string Format(string? path)
    {
        var prefix = path is null ? "" : path + ":";
        if (Line is { } line)
        {
            prefix += Column is { } column
                ? string.Create(CultureInfo.InvariantCulture, $"{line}:{column}:")
                : string.Create(CultureInfo.InvariantCulture, $"{line}:");
        }

        return prefix.Length == 0 ? Message : prefix + " " + Message;
    }
}
