using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// Strongly connected components of the information-flow graph (edge j -> i when i trusts j), by Tarjan's
/// algorithm written with an explicit stack: the recursive form overflows the thread stack on long paths
/// (a 10,000-node directed ring is a 10,000-deep recursion). Components are numbered in the order Tarjan
/// completes them, which is a reverse topological order of the condensation.
/// </summary>
public sealed class StronglyConnectedComponents
{
    private readonly int[] _componentOf;

    private StronglyConnectedComponents(int[] componentOf, int count)
    {
        _componentOf = componentOf;
        Count = count;
    }

    public int Count { get; }

    public bool IsStronglyConnected => Count <= 1;

    public int ComponentOf(int node) => _componentOf[node];

    /// <summary>Members of each component, ascending, components in completion order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Components()
    {
        var members = new List<int>[Count];
        for (var c = 0; c < Count; c++)
        {
            members[c] = [];
        }

        for (var node = 0; node < _componentOf.Length; node++)
        {
            members[_componentOf[node]].Add(node);
        }

        return members;
    }

    public static StronglyConnectedComponents Compute(TrustGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var n = graph.NodeCount;
        var index = new int[n];
        var lowLink = new int[n];
        var onStack = new bool[n];
        var componentOf = new int[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        // Each call frame is (node, position in its follower list).
        var frames = new Stack<(int Node, int Next)>();
        var nextIndex = 0;
        var count = 0;

        for (var root = 0; root < n; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            frames.Push((root, 0));
            index[root] = lowLink[root] = nextIndex++;
            stack.Push(root);
            onStack[root] = true;

            while (frames.Count > 0)
            {
                var (v, next) = frames.Pop();
                var followers = graph.Followers(v);
                var descended = false;
                while (next < followers.Length)
                {
                    var w = followers[next++];
                    if (index[w] < 0)
                    {
                        // Descend: remember where v's scan resumes, then visit w.
                        frames.Push((v, next));
                        frames.Push((w, 0));
                        index[w] = lowLink[w] = nextIndex++;
                        stack.Push(w);
                        onStack[w] = true;
                        descended = true;
                        break;
                    }

                    if (onStack[w])
                    {
                        lowLink[v] = Math.Min(lowLink[v], index[w]);
                    }
                }

                if (descended)
                {
                    continue;
                }

                if (lowLink[v] == index[v])
                {
                    int w;
                    do
                    {
                        w = stack.Pop();
                        onStack[w] = false;
                        componentOf[w] = count;
                    }
                    while (w != v);
                    count++;
                }

                if (frames.Count > 0)
                {
                    var parent = frames.Peek().Node;
                    lowLink[parent] = Math.Min(lowLink[parent], lowLink[v]);
                }
            }
        }

        return new StronglyConnectedComponents(componentOf, count);
    }
}
