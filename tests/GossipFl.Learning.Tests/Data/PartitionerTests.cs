using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

/// <summary>
/// Property tests run each invariant over many generated cases (sizes, class counts, client counts, seeds), all drawn
/// from a fixed-seed generator so a failure names a case that reproduces.
/// </summary>
public sealed class PartitionerTests
{
    private const int Cases = 150;

    [Fact]
    public void Iid_ManyCases_EverySampleOnceAndSizesDifferByAtMostOne()
    {
        var cases = new Xoshiro256StarStar(1001);
        for (var t = 0; t < Cases; t++)
        {
            var data = RandomLabels(cases, 1 + cases.NextInt(400), 2 + cases.NextInt(9), (ulong)t);
            var clients = 1 + cases.NextInt(data.Count);
            var seed = cases.NextUInt64();
            var partition = Partitioner.Iid(data, clients, seed);

            var because = $"case {t}: {data.Count} samples, {clients} clients, seed {seed}";
            AssertEverySampleExactlyOnce(partition, data, because);
            var sizes = Enumerable.Range(0, clients).Select(partition.SizeOf).ToArray();
            Assert.True(sizes.Max() - sizes.Min() <= 1, because);
            Assert.Equal(Flatten(partition), Flatten(Partitioner.Iid(data, clients, seed)));
        }
    }

    [Fact]
    public void Iid_DifferentSeeds_GiveDifferentPartitions()
    {
        var data = RandomLabels(new Xoshiro256StarStar(1), 200, 3, 0);
        Assert.NotEqual(Flatten(Partitioner.Iid(data, 4, 1)), Flatten(Partitioner.Iid(data, 4, 2)));
    }

    [Fact]
    public void Dirichlet_ManyCases_EverySampleOnceMinimumHeldAndDeterministic()
    {
        var cases = new Xoshiro256StarStar(2002);
        var succeeded = 0;
        for (var t = 0; t < Cases; t++)
        {
            var data = RandomLabels(cases, 100 + cases.NextInt(900), 2 + cases.NextInt(9), (ulong)t);
            var clients = 1 + cases.NextInt(12);
            var alpha = PortableMath.Exp((cases.NextDouble() * 6) - 2.5);
            var min = cases.NextInt(4);
            var seed = cases.NextUInt64();
            var because = $"case {t}: {data.Count} samples, {clients} clients, α {alpha}, min {min}, seed {seed}";
            Partition partition;
            try
            {
                partition = Partitioner.Dirichlet(data, clients, alpha, seed, min);
            }
            catch (DataSpecException ex)
            {
                // Refusing is allowed when the minimum cannot be met, but only with the documented advice.
                Assert.Contains("attempts", ex.Problem, StringComparison.Ordinal);
                continue;
            }

            succeeded++;
            AssertEverySampleExactlyOnce(partition, data, because);
            Assert.True(Enumerable.Range(0, clients).All(c => partition.SizeOf(c) >= min), because);
            Assert.Equal(Flatten(partition), Flatten(Partitioner.Dirichlet(data, clients, alpha, seed, min)));
        }

        Assert.True(succeeded >= Cases * 9 / 10, $"only {succeeded} of {Cases} cases could be partitioned");
    }

    [Fact]
    public void Dirichlet_SmallAlpha_ConcentratesEachClientOnFewClasses()
    {
        var data = Balanced(10, 500);
        for (ulong seed = 0; seed < 10; seed++)
        {
            var partition = Partitioner.Dirichlet(data, 10, 0.05, seed, minSamplesPerClient: 1);
            Assert.True(MeanLargestClassShare(partition) > 0.6, $"seed {seed}: {MeanLargestClassShare(partition)}\n{partition.FormatHistogram()}");
        }
    }

    [Fact]
    public void Dirichlet_LargeAlpha_GivesNearUniformHistograms()
    {
        var data = Balanced(10, 500);
        for (ulong seed = 0; seed < 10; seed++)
        {
            var partition = Partitioner.Dirichlet(data, 10, 1000, seed);
            for (var c = 0; c < 10; c++)
            {
                foreach (var n in partition.ClassHistogram(c))
                {
                    Assert.InRange((double)n / partition.SizeOf(c), 0.07, 0.13);
                }
            }
        }
    }

    [Fact]
    public void Dirichlet_UnreachableMinimum_FailsAfterBoundedAttemptsWithAdvice()
    {
        var data = Balanced(2, 50);
        var ex = Assert.Throws<DataSpecException>(() => Partitioner.Dirichlet(data, 40, 0.01, 3, minSamplesPerClient: 2, maxAttempts: 20));
        Assert.Contains("no draw in 20 attempts gave each of 40 clients at least 2 samples", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("Raise α", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Dirichlet_MinimumAboveAverage_FailsBeforeDrawing()
    {
        var ex = Assert.Throws<DataSpecException>(() => Partitioner.Dirichlet(Balanced(2, 10), 5, 1.0, 1));
        Assert.Contains("need 50 samples", ex.Problem, StringComparison.Ordinal);
        Assert.Equal("dirichlet:1", ex.Spec);
    }

    [Fact]
    public void Shards_ManyCases_EverySampleOnceAndAtMostKClassesPerClient()
    {
        var cases = new Xoshiro256StarStar(3003);
        for (var t = 0; t < Cases; t++)
        {
            var classes = 2 + cases.NextInt(9);
            var data = RandomLabels(cases, 50 + cases.NextInt(500), classes, (ulong)t);
            var k = 1 + cases.NextInt(classes);
            var clients = 1 + cases.NextInt(Math.Min(30, data.Count / k));
            var seed = cases.NextUInt64();
            var because = $"case {t}: {data.Count} samples, {classes} classes, {clients} clients, k {k}, seed {seed}";
            var partition = Partitioner.Shards(data, clients, k, seed);

            AssertEverySampleExactlyOnce(partition, data, because);
            for (var c = 0; c < clients; c++)
            {
                Assert.InRange(partition.DistinctClassesOf(c), 1, k);
            }

            var present = data.Labels.Distinct().Count();
            if ((long)clients * k >= present)
            {
                Assert.True(partition.Unassigned.IsEmpty, because);
            }

            Assert.Equal(Flatten(partition), Flatten(Partitioner.Shards(data, clients, k, seed)));
        }
    }

    [Fact]
    public void Shards_BalancedClasses_GiveEveryClientExactlyKDistinctClasses()
    {
        var data = Balanced(10, 100);
        for (ulong seed = 0; seed < 20; seed++)
        {
            var partition = Partitioner.Shards(data, 50, 2, seed);
            Assert.All(Enumerable.Range(0, 50), c => Assert.Equal(2, partition.DistinctClassesOf(c)));
            Assert.All(Enumerable.Range(0, 50), c => Assert.Equal(20, partition.SizeOf(c)));
        }
    }

    [Fact]
    public void Shards_OneDominantClass_LeavesSomeClientsWithFewerThanKClasses()
    {
        // 90 % of the samples are class 0, so class 0 gets most shards and several clients hold two class-0 shards.
        var labels = Enumerable.Range(0, 100).Select(i => i < 90 ? 0L : 1 + (i % 2)).ToArray();
        var data = new Dataset("skewed", new float[100], labels, [1], 3);
        var partition = Partitioner.Shards(data, 5, 2, 4);

        Assert.Contains(Enumerable.Range(0, 5), c => partition.DistinctClassesOf(c) == 1);
        Assert.All(Enumerable.Range(0, 5), c => Assert.InRange(partition.DistinctClassesOf(c), 1, 2));
        Assert.True(partition.Unassigned.IsEmpty);
    }

    [Fact]
    public void Shards_FewerShardsThanClasses_LeavesUnshardedClassesUnassigned()
    {
        var data = Balanced(10, 20);
        var partition = Partitioner.Shards(data, 3, 1, 5);

        Assert.Equal(140, partition.Unassigned.Length);
        Assert.Equal(60, Enumerable.Range(0, 3).Sum(partition.SizeOf));
        Assert.Contains("140 unassigned", partition.FormatHistogram(), StringComparison.Ordinal);
    }

    [Fact]
    public void ApportionShards_ProportionalWithTiesToLowerClass()
    {
        Assert.Equal([3, 2, 1], Partitioner.ApportionShards([100, 50, 10], 6));
        Assert.Equal([1, 0, 0], Partitioner.ApportionShards([100, 50, 10], 1));
        Assert.Equal([2, 1, 1], Partitioner.ApportionShards([10, 10, 10], 4));
        Assert.Equal([1, 5], Partitioner.ApportionShards([1, 100], 6));
        Assert.Equal([0, 6], Partitioner.ApportionShards([0, 100], 6));
        Assert.Equal([1, 0, 1], Partitioner.ApportionShards([30, 10, 20], 2));
    }

    [Fact]
    public void Partitioners_InvalidArguments_ThrowWithClearMessages()
    {
        var data = Balanced(3, 4);
        Assert.Contains("at least one client", Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Iid(data, 0, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("13 clients cannot each get a sample", Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Iid(data, 13, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("positive finite", Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Dirichlet(data, 2, 0, 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Dirichlet(data, 2, double.NaN, 1));
        Assert.Contains("[1, 3]", Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Shards(data, 2, 0, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("[1, 3]", Assert.Throws<ArgumentOutOfRangeException>(() => Partitioner.Shards(data, 2, 4, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("need 15 non-empty shards", Assert.Throws<DataSpecException>(() => Partitioner.Shards(data, 5, 3, 1)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Partition_SampleTwice_IsRejected()
    {
        var data = Balanced(2, 2);
        Assert.Throws<ArgumentException>(() => new Partition("bad", data, [[0, 1], [1, 2]]));
    }

    [Fact]
    public void FormatHistogram_ListsEveryClientWithItsCounts()
    {
        var data = Balanced(2, 3);
        var text = new Partition("manual", data, [[0, 1, 2], [3, 4, 5]]).FormatHistogram();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("manual: 6 samples over 2 clients", lines[0]);
        Assert.Equal(["client", "size", "c0", "c1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["0", "3", "2", "1"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["1", "3", "1", "2"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ClientData_CopiesTheClientsSamples()
    {
        var data = new Dataset("d", [10, 11, 12, 13], [0, 1, 0, 1], [1], 2);
        var subset = new Partition("manual", data, [[3, 1], [0, 2]]).ClientData(data, 0);
        Assert.Equal([11f, 13f], subset.Features);
        Assert.Equal([1L, 1], subset.Labels);
    }

    internal static Dataset Balanced(int classes, int perClass)
    {
        var labels = Enumerable.Range(0, classes * perClass).Select(i => (long)(i % classes)).ToArray();
        return new Dataset("balanced", new float[labels.Length], labels, [1], classes);
    }

    private static Dataset RandomLabels(Xoshiro256StarStar random, int count, int classes, ulong id)
    {
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            // Uneven class sizes: class k is drawn with weight k + 1.
            var draw = random.NextInt(classes * (classes + 1) / 2);
            var k = 0;
            while (draw >= k + 1)
            {
                draw -= k + 1;
                k++;
            }

            labels[i] = k;
        }

        return new Dataset($"random-{id}", new float[count], labels, [1], classes);
    }

    private static void AssertEverySampleExactlyOnce(Partition partition, Dataset data, string because)
    {
        var all = Enumerable.Range(0, partition.ClientCount).SelectMany(c => partition.IndicesOf(c).ToArray())
            .Concat(partition.Unassigned.ToArray()).Order().ToArray();
        Assert.True(all.SequenceEqual(Enumerable.Range(0, data.Count)), because);
        for (var c = 0; c < partition.ClientCount; c++)
        {
            Assert.Equal(partition.SizeOf(c), partition.ClassHistogram(c).Sum());
        }
    }

    private static int[][] Flatten(Partition partition) =>
        Enumerable.Range(0, partition.ClientCount).Select(c => partition.IndicesOf(c).ToArray()).ToArray();

    private static double MeanLargestClassShare(Partition partition) =>
        Enumerable.Range(0, partition.ClientCount)
            .Where(c => partition.SizeOf(c) > 0)
            .Average(c => (double)partition.ClassHistogram(c).Max() / partition.SizeOf(c));
}
