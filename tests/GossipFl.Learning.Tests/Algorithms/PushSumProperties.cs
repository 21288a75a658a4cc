using FsCheck;
using FsCheck.Fluent;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using Microsoft.FSharp.Core;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>Push-sum's mass accounting as FsCheck properties over graph sizes, seeds and loss rates.</summary>
public sealed class PushSumProperties
{
    private static readonly Gen<(int Nodes, int Seed, int LossPercent, int Delay)> Cases =
        from nodes in Gen.Choose(5, 24)
        from seed in Gen.Choose(0, int.MaxValue)
        from loss in Gen.Choose(0, 30)
        from delay in Gen.Choose(0, 2)
        select (nodes, seed, loss, delay);

    [Fact]
    public void PushSum_AnyGraphSeedLossAndDelay_WeightHeldPlusWeightLostIsN()
    {
        Hold(c =>
        {
            var graph = TestGraphs.OneWayTrust(c.Nodes, 2, 2, (ulong)c.Seed);
            var initial = TestGraphs.RandomVectors(c.Nodes, 5, (ulong)c.Seed);
            var network = new NetworkConditions(LossProbability: c.LossPercent / 100.0, MaxDelayRounds: c.Delay);
            var result = AveragingTests.Average(graph, AlgorithmKind.PushSum, initial, rounds: 25, network, seed: (ulong)c.Seed);
            return Math.Abs(result.Weights.Sum() + result.LostWeight - c.Nodes) < 1e-9
                && (c.LossPercent > 0 || c.Delay > 0 || Math.Abs(result.Weights.Sum() - c.Nodes) < 1e-9);
        });
    }

    [Fact]
    public void PushSum_AnyGraphSeed_ThreadCountDoesNotChangeABit()
    {
        Hold(c =>
        {
            var graph = TestGraphs.OneWayTrust(c.Nodes, 2, 2, (ulong)c.Seed);
            var initial = TestGraphs.RandomVectors(c.Nodes, 9, (ulong)c.Seed);
            var network = new NetworkConditions(LossProbability: c.LossPercent / 100.0, MaxDelayRounds: c.Delay);
            var one = AveragingTests.Average(graph, AlgorithmKind.PushSum, initial, 15, network, (ulong)c.Seed, threads: 1);
            var two = AveragingTests.Average(graph, AlgorithmKind.PushSum, initial, 15, network, (ulong)c.Seed, threads: 2);
            return one.Models.Zip(two.Models).All(p => p.First.AsSpan().SequenceEqual(p.Second)) && one.Weights.SequenceEqual(two.Weights);
        }, cases: 40);
    }

    private static void Hold(Func<(int Nodes, int Seed, int LossPercent, int Delay), bool> property, int cases = 80)
    {
        // A fixed replay seed: a failure fails the same way on the next run.
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x0B5_5EED_2021UL, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        Check.One(config, Prop.ForAll(Cases.ToArbitrary(), property));
    }
}
