using FsCheck;
using FsCheck.Fluent;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Robustness;
using Microsoft.FSharp.Core;

namespace GossipFl.Learning.Tests.Robustness;

public sealed class SelfCenteredClippingTests
{
    [Fact]
    public void Clip_FarNeighbour_IsPulledToTheRadius_HandComputed()
    {
        // self (1, 1), neighbour (4, 5): difference (3, 4), norm 5; τ = 2 -> self + (1.2, 1.6).
        var destination = new float[2];
        Assert.True(SelfCenteredClipping.Clip([1f, 1f], [4f, 5f], 5.0, 2.0, destination));
        Assert.Equal(2.2f, destination[0], 1e-6f);
        Assert.Equal(2.6f, destination[1], 1e-6f);
    }

    [Fact]
    public void Clip_NeighbourWithinTheRadius_IsLeftAlone()
    {
        var destination = new float[] { 7f, 7f };
        Assert.False(SelfCenteredClipping.Clip([1f, 1f], [2f, 1f], 1.0, 1.0, destination));
        Assert.Equal([7f, 7f], destination);
    }

    [Fact]
    public void Clip_NonFiniteNeighbour_LeavesOnlyTheNodesOwnVector()
    {
        var destination = new float[2];
        Assert.True(SelfCenteredClipping.Clip([1f, 2f], [float.NaN, 3f], double.NaN, 1.0, destination));
        Assert.Equal([1f, 2f], destination);
    }

    [Fact]
    public void AdaptiveRadius_IsTheLowerMedian()
    {
        Assert.Equal(2.0, SelfCenteredClipping.AdaptiveRadius([9.0, 2.0, 1.0, 100.0]));
        Assert.Equal(3.0, SelfCenteredClipping.AdaptiveRadius([3.0, 1.0, 50.0]));
        Assert.Equal(double.PositiveInfinity, SelfCenteredClipping.AdaptiveRadius([]));
    }

    [Fact]
    public void Clip_AnyVectorsAndRadius_ClippedDifferenceNeverExceedsTheRadius()
    {
        var cases =
            from length in Gen.Choose(1, 40)
            from seed in Gen.Choose(0, int.MaxValue)
            from scale in Gen.Choose(0, 8)
            from radiusThousandths in Gen.Choose(1, 5000)
            select (length, seed, scale, radius: radiusThousandths / 1000.0);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(200)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0xC11B_0001UL, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        Check.One(config, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var random = new Random(c.seed);
            var magnitude = Math.Pow(10, c.scale - 3);
            var self = Enumerable.Range(0, c.length).Select(_ => (float)((random.NextDouble() - 0.5) * magnitude)).ToArray();
            var neighbour = Enumerable.Range(0, c.length).Select(_ => (float)((random.NextDouble() - 0.5) * magnitude * 10)).ToArray();
            var distance = Math.Sqrt(VectorMath.SquaredDistance(self, neighbour));
            var destination = neighbour.ToArray();
            SelfCenteredClipping.Clip(self, neighbour, distance, c.radius, destination);
            // Float rounding of self + scaled difference: allow a relative 1e-5 of the vectors' size.
            var slack = 1e-5 * (1 + magnitude * 10 * Math.Sqrt(c.length));
            return Math.Sqrt(VectorMath.SquaredDistance(self, destination)) <= c.radius + slack;
        }));
    }
}
