using GossipFl.Learning.Learners;
using GossipFl.Learning.Privacy;

namespace GossipFl.Learning.Tests.Privacy;

/// <summary>The sample-level DP spec, its signature text and its account.</summary>
public sealed class SampleLevelPrivacyTests
{
    [Fact]
    public void SignatureText_DiffersBetweenLevelsAndSettings()
    {
        var texts = new[]
        {
            PrivacySpec.ForSampleLevel(new SampleDpSettings(1, 1)).SignatureText,
            PrivacySpec.ForSampleLevel(new SampleDpSettings(1, 1.1)).SignatureText,
            PrivacySpec.ForSampleLevel(new SampleDpSettings(2, 1)).SignatureText,
            new PrivacySpec(1, 1).SignatureText,
        };

        Assert.Equal(texts.Length, texts.Distinct().Count());
        // δ, the budget and the seed are each node's own.
        Assert.Equal(texts[0], PrivacySpec.ForSampleLevel(new SampleDpSettings(1, 1), 1e-6, 3, 7).SignatureText);
    }

    [Fact]
    public void Validate_BothLevels_IsRefusedWithOneLine()
    {
        var both = new PrivacySpec(1, 1, SampleLevel: new SampleDpSettings(1, 1));

        var error = Assert.Throws<ArgumentException>(() => both.Validate());

        Assert.StartsWith("peer-level and sample-level DP protect different things; choose one", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void SampleLevel_IsNotTheIdentity_AndNamesItsLevel()
    {
        var spec = PrivacySpec.ForSampleLevel(new SampleDpSettings(1, 0)).Validate();

        Assert.False(spec.IsIdentity);
        Assert.Equal("sample-level", spec.LevelName);
        Assert.StartsWith("sample-level DP-SGD", spec.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.01, 1.1, 7, 5)]
    [InlineData(0.0013, 0.8, 40, 3)]
    public void Account_WithStepsPerRound_IsTheAccountantOverRoundsTimesSteps(double q, double sigma, int steps, int rounds)
    {
        var account = new PrivacyAccount(sigma, q, 1e-5, budget: null, compositionsPerRound: steps);
        for (var r = 0; r < rounds; r++)
        {
            account.Spend();
        }

        Assert.Equal(RdpAccountant.Epsilon(q, sigma, (long)rounds * steps, 1e-5).Epsilon, account.Epsilon, 9);
    }

    [Theory]
    [InlineData(10, null, 1000, 32, 10)]
    [InlineData(10, null, 20, 32, 7)]
    [InlineData(1, 1, 1000, 32, 32)]
    [InlineData(1, 2, 100, 32, 7)]
    public void LocalWork_StepsFor_CountsTheRoundsBatchesRoundedUp(int steps, int? epochs, int samples, int batch, int expected) =>
        Assert.Equal(expected, new LocalWork(steps, epochs).StepsFor(samples, batch));
}
