using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace GossipFl.Topology.Tests;

/// <summary>
/// Runs FsCheck properties from plain xunit facts. The replay seed is fixed so a run is reproducible (a
/// failure here fails the same way on the next run); the cases still cover many seeds and sizes.
/// </summary>
internal static class Properties
{
    public static void Hold<T>(Gen<T> generator, Func<T, bool> property, int cases = 150)
    {
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0x5EED_0F_70901061UL, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        Check.One(config, Prop.ForAll(generator.ToArbitrary(), property));
    }

    /// <summary>Any 64-bit seed.</summary>
    public static Gen<ulong> Seeds { get; } =
        Gen.Choose(0, int.MaxValue).Two().Select(t => ((ulong)(uint)t.Item1 << 32) ^ (uint)t.Item2 ^ ((ulong)(uint)t.Item2 << 31));
}
