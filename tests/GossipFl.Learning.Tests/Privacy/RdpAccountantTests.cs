using GossipFl.Learning.Privacy;

namespace GossipFl.Learning.Tests.Privacy;

public sealed class RdpAccountantTests
{
    /// <summary>The order grid of TensorFlow Privacy's MNIST tutorial: 1.1 to 10.9 by 0.1, then 12 to 63.</summary>
    private static readonly double[] TutorialOrders =
        Enumerable.Range(1, 99).Select(x => 1 + (x / 10.0)).Concat(Enumerable.Range(12, 52).Select(a => (double)a)).ToArray();

    [Fact]
    public void SampledGaussian_AgreesWithNumericalIntegration_WithinOnePercent()
    {
        var orders = RdpAccountant.DefaultOrders;
        RdpReference.Case[] cases =
        [
            new(256.0 / 60000, 1.1, 14062, 1e-5, orders),
            new(0.1, 1.0, 100, 1e-5, orders),
            new(0.5, 2.0, 50, 1e-6, orders),
            new(0.25, 0.8, 20, 1e-3, orders),
            new(0.01, 4.0, 10000, 1e-5, orders),
            new(1.0, 3.0, 200, 1e-5, orders),
        ];

        var reference = RdpReference.Run(cases);
        for (var c = 0; c < cases.Length; c++)
        {
            var (q, sigma, steps, delta, _) = cases[c];
            var curve = RdpAccountant.SampledGaussian(q, sigma, orders);
            for (var k = 0; k < orders.Count; k++)
            {
                var expected = reference[c].Rdp[k];
                Assert.True(
                    Math.Abs(curve[k] - expected) <= (0.01 * expected) + 1e-10,
                    $"q={q} σ={sigma} α={orders[k]}: RDP {curve[k]:R}, integration {expected:R}");
            }

            var tight = RdpAccountant.Epsilon(q, sigma, steps, delta).Epsilon;
            var classic = RdpAccountant.Epsilon(q, sigma, steps, delta, RdpConversion.Classic).Epsilon;
            AssertWithin(reference[c].Tight, tight, 0.01, $"tight ε, q={q} σ={sigma} steps={steps} δ={delta}");
            AssertWithin(reference[c].Classic, classic, 0.01, $"classic ε, q={q} σ={sigma} steps={steps} δ={delta}");
            Assert.True(tight <= classic, $"the tight conversion gave {tight}, more than the classic {classic}");
        }
    }

    /// <summary>
    /// TensorFlow Privacy's MNIST DP-SGD tutorial (tensorflow/privacy, tutorials/README.md, "Select Parameters", and
    /// mnist_dpsgd_tutorial.py's compute_epsilon: q = 256/60000, 60000 // 256 = 234 steps per epoch, the orders above,
    /// the classic conversion, δ = 1e-5) publishes ε = 2.92 for σ = 1.12 over 60 epochs, 9.74 for σ = 0.6 over 30 and
    /// 1.20 for σ = 1.2 over 10.
    /// </summary>
    [Theory]
    [InlineData(1.12, 60, 2.92)]
    [InlineData(0.6, 30, 9.74)]
    [InlineData(1.2, 10, 1.20)]
    public void Epsilon_MatchesTensorFlowPrivacyTutorial(double sigma, int epochs, double published)
    {
        var epsilon = RdpAccountant.Epsilon(256.0 / 60000, sigma, epochs * (60000 / 256), 1e-5, RdpConversion.Classic, TutorialOrders).Epsilon;

        AssertWithin(published, epsilon, 0.01, $"σ={sigma}, {epochs} epochs");
    }

    [Theory]
    [InlineData(1.5, 2.0)]
    [InlineData(32, 0.7)]
    [InlineData(2.5, 5)]
    public void SampledGaussian_WithoutSampling_IsTheGaussianMechanism(double order, double sigma)
    {
        Assert.Equal(order / (2 * sigma * sigma), RdpAccountant.SampledGaussian(1.0, sigma, order), 12);
    }

    [Fact]
    public void SampledGaussian_OfAnIntegerOrder_IsTheClosedFormAtTwo()
    {
        // A_2 = 1 + q²(e^{1/σ²} − 1) (Mironov et al. 2019, §3.3, the binomial sum at α = 2).
        const double q = 0.03, sigma = 0.9;
        var expected = Math.Log(1 + (q * q * (Math.Exp(1 / (sigma * sigma)) - 1)));

        Assert.Equal(expected, RdpAccountant.SampledGaussian(q, sigma, 2.0), 14);
    }

    [Fact]
    public void Compose_SumsTheCurvesOfDifferentMechanisms()
    {
        var accountant = new RdpAccountant().Compose(0.01, 1.1, 500).Compose(1.0, 8.0, 30);

        var a = RdpAccountant.SampledGaussian(0.01, 1.1, RdpAccountant.DefaultOrders);
        var b = RdpAccountant.SampledGaussian(1.0, 8.0, RdpAccountant.DefaultOrders);
        for (var k = 0; k < a.Length; k++)
        {
            Assert.Equal((500 * a[k]) + (30 * b[k]), accountant.Rdp[k], 9);
        }

        var separate = new RdpAccountant().Compose(0.01, 1.1, 500);
        Assert.True(accountant.GetEpsilon(1e-5).Epsilon > separate.GetEpsilon(1e-5).Epsilon);
    }

    [Theory]
    [InlineData(8.0, 1.0, 200, 1e-5)]
    [InlineData(2.0, 1.0, 200, 1e-5)]
    [InlineData(8.0, 0.25, 200, 1e-4)]
    public void CalibrateNoise_GivesTheSmallestSigmaWithinTheTarget(double target, double q, long steps, double delta)
    {
        var sigma = RdpAccountant.CalibrateNoise(target, q, steps, delta);

        Assert.True(RdpAccountant.Epsilon(q, sigma, steps, delta).Epsilon <= target);
        Assert.True(RdpAccountant.Epsilon(q, sigma * 0.999, steps, delta).Epsilon > target * 0.999);
    }

    [Fact]
    public void Epsilon_WithoutNoise_IsInfinite()
    {
        Assert.True(double.IsPositiveInfinity(RdpAccountant.Epsilon(1.0, 0.0, 1, 1e-5).Epsilon));
    }

    [Fact]
    public void PrivacyAccount_RefusesTheRoundThatWouldExceedItsBudget()
    {
        var sigma = RdpAccountant.CalibrateNoise(4.0, 1.0, 10, 1e-5);
        var account = new PrivacyAccount(sigma, 1.0, 1e-5, budget: 4.0);
        var spent = 0;
        while (account.CanSpendAnother)
        {
            account.Spend();
            spent++;
            Assert.True(spent < 1000);
        }

        Assert.Equal(10, spent);
        Assert.True(account.Epsilon <= 4.0);
        Assert.True(account.EpsilonAfter(11) > 4.0);
        Assert.Contains("stopping before round 10 after 10 private rounds", account.StopLine(10));
    }

    private static void AssertWithin(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"{what}: {actual:R}, expected {expected:R} within {relative:P0}");
}
