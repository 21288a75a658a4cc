using GossipFl.Learning.Data;
using GossipFl.Topology.Generation;
using GossipFl.Topology.Graph;

namespace GossipFl.Learning.Tests.Algorithms;

internal static class TestGraphs
{
    /// <summary>
    /// A strongly connected directed graph with unequal out-degrees (so row- and column-stochastic weights
    /// differ): the directed ring 0 → 1 → … → n-1 → 0 (i+1 trusts i) plus node 0 sending to every other node.
    /// </summary>
    public static TrustGraph DirectedWithHub(int n)
    {
        var builder = new TrustGraphBuilder(n);
        for (var i = 0; i < n; i++)
        {
            builder.AddTrust((i + 1) % n, i);
        }

        for (var i = 2; i < n; i++)
        {
            builder.AddTrust(i, 0);
        }

        return builder.Build();
    }

    /// <summary>The symmetric ring where each node trusts the <paramref name="k"/> nearest nodes on each side.</summary>
    public static TrustGraph Ring(int n, int k = 1)
    {
        var builder = new TrustGraphBuilder(n);
        for (var i = 0; i < n; i++)
        {
            for (var step = 1; step <= k; step++)
            {
                builder.AddMutualTrust(i, (i + step) % n);
            }
        }

        return builder.Build();
    }

    public static TrustGraph OneWayTrust(int n, int baseDegree, int outDegree, ulong seed)
    {
        var generator = GraphGenerators.Get("one-way-trust");
        var arguments = new GeneratorArguments(generator, new Dictionary<string, double> { ["base_degree"] = baseDegree, ["out_degree"] = outDegree });
        return generator.Generate(TrustGraphBuilder.DefaultNames(n), arguments, seed);
    }

    /// <summary>n vectors of the given length with entries uniform in [-1, 1) (seeded).</summary>
    public static float[][] RandomVectors(int n, int length, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed);
        return Enumerable.Range(0, n)
            .Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray())
            .ToArray();
    }

    public static double[] Mean(IReadOnlyList<float[]> vectors)
    {
        var mean = new double[vectors[0].Length];
        foreach (var v in vectors)
        {
            for (var k = 0; k < mean.Length; k++)
            {
                mean[k] += v[k];
            }
        }

        for (var k = 0; k < mean.Length; k++)
        {
            mean[k] /= vectors.Count;
        }

        return mean;
    }

    /// <summary>‖v − reference‖ / ‖reference‖.</summary>
    public static double RelativeError(ReadOnlySpan<float> v, IReadOnlyList<double> reference)
    {
        double diff = 0, norm = 0;
        for (var k = 0; k < reference.Count; k++)
        {
            diff += (v[k] - reference[k]) * (v[k] - reference[k]);
            norm += reference[k] * reference[k];
        }

        return Math.Sqrt(diff / norm);
    }
}
