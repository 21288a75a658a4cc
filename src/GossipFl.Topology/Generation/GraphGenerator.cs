using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// A named recipe that turns a node count, parameters and a seed into a trust graph. Generators are pure:
/// the same inputs give the same graph in every process, on every machine (see <see cref="DeterministicRandom"/>).
/// </summary>
public abstract class GraphGenerator
{
    /// <summary>The name used in topology files and on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>One line for help text.</summary>
    public abstract string Description { get; }

    public abstract IReadOnlyList<GeneratorParameter> Parameters { get; }

    /// <summary>True when the seed matters; only such generators can be time-varying.</summary>
    public abstract bool IsRandom { get; }

    /// <summary>True when every graph this generator makes with <paramref name="arguments"/> is symmetric.</summary>
    public abstract bool ProducesSymmetric(GeneratorArguments arguments);

    /// <summary>Problems with this parameter combination for <paramref name="nodeCount"/> nodes; empty when it can be generated.</summary>
    public IReadOnlyList<string> Validate(int nodeCount, GeneratorArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var problems = new List<string>();
        if (nodeCount < 1)
        {
            problems.Add($"a topology needs at least one node (got {nodeCount})");
            return problems;
        }

        ValidateCore(nodeCount, arguments, problems);
        return problems;
    }

    /// <summary>Generates the graph; throws <see cref="TopologyException"/> for impossible parameters.</summary>
    public TrustGraph Generate(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(arguments);
        var problems = Validate(names.Count, arguments);
        if (problems.Count > 0)
        {
            throw new TopologyException(null, [.. problems.Select(p => new TopologyProblem($"generator '{Name}': {p}"))]);
        }

        return GenerateCore(names, arguments, seed);
    }

    /// <summary>Generates with default names <c>node-0</c>..<c>node-(n-1)</c>.</summary>
    public TrustGraph Generate(int nodeCount, GeneratorArguments arguments, ulong seed) =>
        Generate(TrustGraphBuilder.DefaultNames(Math.Max(nodeCount, 0)), arguments, seed);

    protected abstract void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems);

    protected abstract TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed);
}
