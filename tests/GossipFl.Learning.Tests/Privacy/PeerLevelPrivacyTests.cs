using FsCheck;
using FsCheck.Fluent;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using Microsoft.FSharp.Core;

namespace GossipFl.Learning.Tests.Privacy;

public sealed class PeerLevelPrivacyTests
{
    [Fact]
    public void Clip_AnyVectorAndNorm_NeverExceedsTheNorm_AndKeepsShortVectors()
    {
        var cases =
            from length in Gen.Choose(1, 300)
            from seed in Gen.Choose(0, int.MaxValue)
            from scale in Gen.Choose(0, 10)
            from clipThousandths in Gen.Choose(1, 20000)
            select (length, seed, scale, clip: clipThousandths / 1000.0);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(300)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(0xD1FF_0001UL, 0x9E3779B97F4A7C15UL), FSharpOption<int>.None)));
        Check.One(config, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var random = new Random(c.seed);
            var magnitude = Math.Pow(10, c.scale - 4);
            var values = Enumerable.Range(0, c.length).Select(_ => (float)((random.NextDouble() - 0.5) * magnitude)).ToArray();
            var original = values.ToArray();
            var norm = PeerLevelPrivacy.Clip(values, c.clip);
            var after = Norm(values);
            if (norm <= c.clip)
            {
                return after <= c.clip && values.AsSpan().SequenceEqual(original);
            }

            // Clipped: within C, at most a few float ulps short of it, and pointing the same way.
            var dot = original.Zip(values, (a, b) => (double)a * b).Sum();
            return after <= c.clip && after >= c.clip * (1 - 1e-5) && dot > 0;
        }));
    }

    [Fact]
    public void Apply_WithoutNoiseAndClipping_LeavesTheUpdateBitIdentical()
    {
        var mechanism = new PeerLevelPrivacy(double.PositiveInfinity, 0.0, 5, GaussianNoise.FromCryptographicSource());
        float[] before = [1f, 2f, 3f, 4f, 5f];
        float[] after = [1.1f, 2.3f, float.Epsilon, -4f, 5.000001f];
        var expected = after.ToArray();

        mechanism.Apply(before, after);

        Assert.Equal(expected, after);
    }

    [Fact]
    public void Apply_ClipsTheUpdateNotTheModel()
    {
        var mechanism = new PeerLevelPrivacy(1.0, 0.0, 2, GaussianNoise.FromSeed(1));
        float[] before = [10f, 10f];
        float[] after = [13f, 14f]; // update (3, 4), norm 5

        mechanism.Apply(before, after);

        Assert.Equal(10.6f, after[0], 1e-5f);
        Assert.Equal(10.8f, after[1], 1e-5f);
        Assert.Equal(5.0, mechanism.LastNorm, 6);
        Assert.True(mechanism.LastClipped);
    }

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(0.1, 3.0)]
    public void Noise_HasTheStatedVariance(double clip, double sigma)
    {
        // 400,000 draws: the sample variance's relative standard error is sqrt(2/n) ≈ 0.22 %, so 1.5 % is > 6 of them.
        const int n = 400_000;
        var mechanism = new PeerLevelPrivacy(clip, sigma, n, GaussianNoise.FromSeed(20261207));
        var before = new float[n];
        var after = new float[n];

        mechanism.Apply(before, after);

        var mean = after.Average(v => (double)v);
        var variance = after.Sum(v => ((double)v - mean) * ((double)v - mean)) / (n - 1);
        var expected = sigma * clip * sigma * clip;
        Assert.InRange(variance, expected * 0.985, expected * 1.015);
        Assert.InRange(mean, -6 * sigma * clip / Math.Sqrt(n), 6 * sigma * clip / Math.Sqrt(n));
        var beyondTwo = after.Count(v => Math.Abs(v) > 2 * sigma * clip) / (double)n;
        Assert.InRange(beyondTwo, 0.0455 - 0.003, 0.0455 + 0.003); // P(|Z| > 2) = 4.55 %
    }

    [Fact]
    public void Noise_FromTheOperatingSystem_DiffersBetweenNodes_AndSeededNoiseRepeats()
    {
        var a = new float[64];
        var b = new float[64];
        GaussianNoise.FromCryptographicSource().AddTo(a, 1.0);
        GaussianNoise.FromCryptographicSource().AddTo(b, 1.0);
        Assert.False(a.AsSpan().SequenceEqual(b));

        var c = new float[64];
        var d = new float[64];
        GaussianNoise.FromSeed(PrivacySpec.NoiseSeedFor(7, 3)).AddTo(c, 1.0);
        GaussianNoise.FromSeed(PrivacySpec.NoiseSeedFor(7, 3)).AddTo(d, 1.0);
        Assert.Equal(c, d);
        Assert.NotEqual(PrivacySpec.NoiseSeedFor(7, 3), PrivacySpec.NoiseSeedFor(7, 4));
    }

    [Fact]
    public void PrivateLearner_StopsBeforeTheRoundThatWouldExceedTheBudget_AndLeavesTheModelAlone()
    {
        var sigma = RdpAccountant.CalibrateNoise(3.0, 1.0, 4, 1e-5);
        var spec = new PrivacySpec(1.0, sigma, Delta: 1e-5, EpsilonBudget: 3.0, NoiseSeed: 5).Validate();
        var inner = new StepLearner(3, 0.5f);
        var learner = PrivateLearner.Create(inner, spec, nodeIndex: 0);
        var lines = new List<string>();
        learner.BudgetExhausted = lines.Add;
        var x = new float[3];

        for (long round = 0; round < 4; round++)
        {
            Assert.False(double.IsNaN(learner.Train(round, x, x)));
        }

        var frozen = x.ToArray();
        Assert.True(double.IsNaN(learner.Train(4, x, x)));
        Assert.True(double.IsNaN(learner.Train(5, x, x)));

        Assert.Equal(frozen, x);
        Assert.Equal(4, inner.Calls);
        Assert.Equal(4, learner.Account.Rounds);
        Assert.True(learner.Account.Epsilon <= 3.0);
        Assert.Equal(4L, learner.StoppedBeforeRound);
        var line = Assert.Single(lines);
        Assert.StartsWith("privacy budget: stopping before round 4 after 4 private rounds: another round would reach ε = ", line);
        Assert.Contains("> budget 3 at δ = 1E-05", line);
    }

    [Fact]
    public void PrivateLearner_StateCarriesTheRoundsSpent()
    {
        var spec = new PrivacySpec(1.0, 1.0, Delta: 1e-5, NoiseSeed: 5);
        var learner = PrivateLearner.Create(new StepLearner(2, 1f), spec, 0);
        var x = new float[2];
        learner.Train(0, x, x);
        learner.Train(1, x, x);

        var restored = PrivateLearner.Create(new StepLearner(2, 1f), spec, 0);
        restored.RestoreState(learner.SaveState());

        Assert.Equal(2, restored.Account.Rounds);
        Assert.Equal(learner.Account.Epsilon, restored.Account.Epsilon);
        Assert.Throws<GossipFl.Learning.Learners.LearnerStateException>(() => restored.RestoreState(new byte[] { 1, 2, 3 }));
    }

    [Theory]
    [InlineData(-1.0, 1.0, null, null, "--dp-clip")]
    [InlineData(0.0, 1.0, null, null, "--dp-clip")]
    [InlineData(1.0, -0.5, null, null, "--dp-noise")]
    [InlineData(1.0, 1.0, 1.0, null, "--dp-delta")]
    [InlineData(1.0, 1.0, null, 0.0, "--dp-epsilon-budget")]
    public void Validate_BadValue_NamesTheOption(double clip, double sigma, double? delta, double? budget, string option)
    {
        var error = Assert.Throws<ArgumentException>(() => new PrivacySpec(clip, sigma, delta, budget).Validate());
        Assert.Contains(option, error.Message);
    }

    [Theory]
    [InlineData(3750, 1e-4)]
    [InlineData(1000, 1e-3)]
    [InlineData(60000, 1e-5)]
    [InlineData(7, 0.1)]
    public void DefaultDelta_IsOneOverTheSampleCountRoundedDownToAPowerOfTen(int samples, double delta)
    {
        Assert.Equal(delta, PrivacySpec.DefaultDelta(samples));
    }

    private static double Norm(ReadOnlySpan<float> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += (double)v * v;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>Adds <c>step</c> to every value each round.</summary>
    private sealed class StepLearner(int length, float step) : ILocalLearner
    {
        public int Calls { get; private set; }

        public int ParameterCount => length;

        public int SampleCount => 100;

        public double Train(long round, ReadOnlySpan<float> model, Span<float> target)
        {
            Calls++;
            for (var k = 0; k < target.Length; k++)
            {
                target[k] += step;
            }

            return 1.0;
        }

        public Evaluation Evaluate(ReadOnlySpan<float> model) => new(double.NaN, double.NaN);
    }
}
