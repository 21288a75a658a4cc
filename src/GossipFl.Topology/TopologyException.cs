namespace GossipFl.Topology;

/// <summary>
/// A topology file or generator request that cannot be turned into a graph. It carries every problem found,
/// not just the first, so a user can fix a file in one pass; the message lists them one per line as
/// <c>file:line:column: problem</c>.
/// </summary>
public sealed class TopologyException : Exception
{
    public TopologyException(string? path, IReadOnlyList<TopologyProblem> problems)
        : base(Describe(path, problems))
    {
        Path = path;
        Problems = problems;
    }

    public TopologyException(string? path, TopologyProblem problem)
        : this(path, [problem])
    {
    }

    public TopologyException(string message)
        : this(null, [new TopologyProblem(message)])
    {
    }

    public TopologyException()
        : this("invalid topology")
    {
    }

    public TopologyException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new TopologyProblem(message)];
    }

    /// <summary>The file at fault, when there is one.</summary>
    public string? Path { get; }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<TopologyProblem> Problems { get; }

    /// <summary>Line of the first problem that has one (1-based).</summary>
    public int? Line => Problems.FirstOrDefault(p => p.Line is not null)?.Line;

    /// <summary>Column of the first problem that has one (1-based).</summary>
    public int? Column => Problems.FirstOrDefault(p => p.Line is not null)?.Column;

    private static string Describe(string? path, IReadOnlyList<TopologyProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            return path is null ? "invalid topology" : path + ": invalid topology";
        }

        if (problems.Count == 1)
        {
            return problems[0].Format(path);
        }

        var lines = problems.Select(p => "  " + p.Format(path));
        var head = (path ?? "topology") + $": {problems.Count} problems";
        return head + Environment.NewLine + string.Join(Environment.NewLine, lines);
    }
}
