using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Analysis;

/// <summary>
/// Reachability and hop distances along information flow (from a node to the peers that, directly or
/// through others, fold in its parameters), by breadth-first search over follower lists.
/// </summary>
public static class GraphDistances
{
    /// <summary>Hops from <paramref name="source"/> to every node; -1 where information never arrives.</summary>
    public static int[] From(TrustGraph graph, int source)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var distance = new int[graph.NodeCount];
        var queue = new int[graph.NodeCount];
        Bfs(graph, source, distance, queue);
        return distance;
    }

    /// <summary>Nodes that eventually receive <paramref name="source"/>'s information (itself included), ascending.</summary>
    public static IReadOnlyList<int> ReachableFrom(TrustGraph graph, int source)
    {
        var distance = From(graph, source);
        var reached = new List<int>();
        for (var i = 0; i < distance.Length; i++)
        {
            if (distance[i] >= 0)
            {
                reached.Add(i);
            }
        }

        return reached;
    }

    /// <summary>
    /// The largest hop distance between any ordered pair, or null when some node cannot reach another
    /// (not strongly connected). Exact: one BFS from every node, O(n·(n+m)) time and O(n) memory, about
    /// n·m edge visits; see docs/benchmarks.md for what that costs at 10,000 nodes.
    /// </summary>
    public static int? Diameter(TrustGraph graph, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var n = graph.NodeCount;
        var distance = new int[n];
        var queue = new int[n];
        var diameter = 0;
        for (var source = 0; source < n; source++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (reached, eccentricity) = Bfs(graph, source, distance, queue);
            if (reached < n)
            {
                return null;
            }

            diameter = Math.Max(diameter, eccentricity);
        }

        return diameter;
    }

    /// <summary>Fills <paramref name="distance"/>; returns how many nodes were reached and the farthest distance.</summary>
    private static (int Reached, int Eccentricity) Bfs(TrustGraph graph, int source, int[] distance, int[] queue)
    {
        Array.Fill(distance, -1);
        distance[source] = 0;
        queue[0] = source;
        int head = 0, tail = 1, farthest = 0;
        while (head < tail)
        {
            var u = queue[head++];
            var next = distance[u] + 1;
            foreach (var v in graph.Followers(u))
            {
                if (distance[v] < 0)
                {
                    distance[v] = next;
                    farthest = next;
                    queue[tail++] = v;
                }
            }
        }

        return (tail, farthest);
    }
}
