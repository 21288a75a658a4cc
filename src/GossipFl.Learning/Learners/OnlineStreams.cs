using GossipFl.Learning.Data;

namespace GossipFl.Learning.Learners;

/// <summary>
/// The online setting of the OPS experiments: each node sees a stream of samples, one mini-batch per round.
/// A fraction β of each node's draws comes from the node's own cluster (non-IID), the rest uniformly from
/// the whole training pool (IID). Clusters: the training samples sorted by their projection on one seeded
/// random Gaussian direction (ties by index), cut into as many contiguous, equal-as-possible blocks as there
/// are nodes, so a node's cluster holds samples that are alike along that direction. Draws are with
/// replacement; docs/algorithms.md states how this relates to the paper and FedML.
/// </summary>
public static class OnlineStreams
{
    private const ulong DirectionSalt = 0x436C757374657273UL;
    private const ulong StreamSalt = 0x53747265616D7321UL;

    /// <summary>For each node, <paramref name="length"/> sample indices into <paramref name="train"/>.</summary>
    public static int[][] Build(Dataset train, int nodeCount, int length, double beta, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (!(beta >= 0 && beta <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be in [0, 1]");
        }

        if (train.Count < nodeCount && beta > 0)
        {
            throw new ArgumentException($"{train.Count} samples cannot form {nodeCount} non-empty clusters", nameof(train));
        }

        var order = beta > 0 ? ProjectionOrder(train, seed) : null;
        var streams = new int[nodeCount][];
        for (var node = 0; node < nodeCount; node++)
        {
            var random = new Xoshiro256StarStar(seed ^ StreamSalt ^ unchecked((ulong)(node + 1) * 0x9E3779B97F4A7C15UL));
            var stream = new int[length];
            for (var t = 0; t < length; t++)
            {
                if (order is not null && random.NextDouble() < beta)
                {
                    var (start, count) = ClusterRange(train.Count, nodeCount, node);
                    stream[t] = order[start + random.NextInt(count)];
                }
                else
                {
                    stream[t] = random.NextInt(train.Count);
                }
            }

            streams[node] = stream;
        }

        return streams;
    }

    /// <summary>The centralized reference's stream: round r's batch is every node's batch of round r, node by node.</summary>
    public static int[] Pooled(IReadOnlyList<int[]> streams, int rounds, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var pooled = new int[checked(rounds * batchSize * streams.Count)];
        var at = 0;
        for (var r = 0; r < rounds; r++)
        {
            foreach (var stream in streams)
            {
                for (var b = 0; b < batchSize; b++)
                {
                    pooled[at++] = stream[((r * batchSize) + b) % stream.Length];
                }
            }
        }

        return pooled;
    }

    /// <summary>Node <paramref name="node"/>'s cluster: a block of the projection order; the first (count mod n) blocks are one longer.</summary>
    private static (int Start, int Count) ClusterRange(int sampleCount, int nodeCount, int node)
    {
        var baseSize = sampleCount / nodeCount;
        var extra = sampleCount % nodeCount;
        var start = (node * baseSize) + Math.Min(node, extra);
        return (start, baseSize + (node < extra ? 1 : 0));
    }

    /// <summary>Sample indices sorted by their projection on a seeded Gaussian direction, ties by index.</summary>
    private static int[] ProjectionOrder(Dataset train, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed ^ DirectionSalt);
        var direction = new double[train.FeatureCount];
        for (var k = 0; k < direction.Length; k++)
        {
            direction[k] = random.NextGaussian();
        }

        var projection = new double[train.Count];
        for (var i = 0; i < train.Count; i++)
        {
            var x = train.FeaturesOf(i);
            var sum = 0.0;
            for (var k = 0; k < x.Length; k++)
            {
                sum += direction[k] * x[k];
            }

            projection[i] = sum;
        }

        var order = Enumerable.Range(0, train.Count).ToArray();
        Array.Sort(order, (a, b) => projection[a] != projection[b] ? projection[a].CompareTo(projection[b]) : a.CompareTo(b));
        return order;
    }
}
