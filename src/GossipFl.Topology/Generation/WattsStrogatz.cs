namespace GossipFl.Topology.Generation;

/// <summary>
/// The Watts–Strogatz construction (Watts and Strogatz, "Collective dynamics of 'small-world' networks",
/// Nature 393, 1998) on a mutable undirected adjacency, shared by the small-world and one-way-trust
/// generators. Start from a ring lattice where node i is joined to i±1..i±k/2; then, lattice distance by
/// lattice distance (d = 1..k/2) and node by node (u = 0..n-1), with probability p replace the edge
/// (u, u+d) by (u, w) with w drawn uniformly from the nodes that are neither u nor already joined to u.
/// The order of the loops is part of the definition: it fixes which random number decides which edge.
/// </summary>
internal static class WattsStrogatz
{
    /// <summary>How many fresh draws a connected graph may take before giving up.</summary>
    public const int MaxAttempts = 100;

    public static HashSet<int>[] Draw(int n, int k, double p, DeterministicRandom random)
    {
        var adjacent = new HashSet<int>[n];
        for (var i = 0; i < n; i++)
        {
            adjacent[i] = [];
        }

        for (var i = 0; i < n; i++)
        {
            for (var d = 1; d <= k / 2; d++)
            {
                var j = (i + d) % n;
                adjacent[i].Add(j);
                adjacent[j].Add(i);
            }
        }

        if (p <= 0)
        {
            return adjacent;
        }

        for (var d = 1; d <= k / 2; d++)
        {
            for (var u = 0; u < n; u++)
            {
                // The draw happens for every lattice edge, rewired or not, so the stream stays aligned.
                if (!random.NextBool(p))
                {
                    continue;
                }

                var v = (u + d) % n;
                if (!adjacent[u].Contains(v) || adjacent[u].Count >= n - 1)
                {
                    // Already rewired away by an earlier step, or u is joined to everyone: nothing to move to.
                    continue;
                }

                int w;
                do
                {
                    w = random.NextInt(n);
                }
                while (w == u || adjacent[u].Contains(w));

                adjacent[u].Remove(v);
                adjacent[v].Remove(u);
                adjacent[u].Add(w);
                adjacent[w].Add(u);
            }
        }

        return adjacent;
    }

    public static bool IsConnected(HashSet<int>[] adjacent)
    {
        var n = adjacent.Length;
        if (n == 0)
        {
            return true;
        }

        var seen = new bool[n];
        var queue = new Queue<int>();
        queue.Enqueue(0);
        seen[0] = true;
        var reached = 1;
        while (queue.Count > 0)
        {
            var u = queue.Dequeue();
            foreach (var v in adjacent[u])
            {
                if (!seen[v])
                {
                    seen[v] = true;
                    reached++;
                    queue.Enqueue(v);
                }
            }
        }

        return reached == n;
    }

    /// <summary>
    /// Draws until the graph is connected and no node has more than <paramref name="maxDegree"/> neighbours: attempt 0 uses <paramref name="seed"/> itself, attempt a the seed
    /// <see cref="DeterministicRandom.Derive"/>(seed, a). Returns null when <see cref="MaxAttempts"/> draws
    /// all came out disconnected.
    /// </summary>
    public static (HashSet<int>[] Adjacent, DeterministicRandom Random)? DrawConnected(int n, int k, double p, ulong seed, int maxDegree = int.MaxValue)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var random = new DeterministicRandom(attempt == 0 ? seed : DeterministicRandom.Derive(seed, (ulong)attempt));
            var adjacent = Draw(n, k, p, random);
            // Rewiring can pile edges onto one node; callers that need room for more edges bound the degree.
            if (IsConnected(adjacent) && adjacent.All(a => a.Count <= maxDegree))
            {
                return (adjacent, random);
            }
        }

        return null;
    }
}
