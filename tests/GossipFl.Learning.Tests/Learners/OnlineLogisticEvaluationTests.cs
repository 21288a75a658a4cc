using System.Runtime.Intrinsics;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;

namespace GossipFl.Learning.Tests.Learners;

/// <summary>
/// The online learner's evaluation scores four samples per vector; these tests hold it to the bits of the
/// one-sample-at-a-time reference it replaced, including the lanes that fall back to scalar code.
/// </summary>
public sealed class OnlineLogisticEvaluationTests
{
    [Fact]
    public void ExpAndLogLanes_MatchScalarBits()
    {
        var random = new Xoshiro256StarStar(7);
        for (var i = 0; i < 200_000; i++)
        {
            var x = Vector256.Create(
                -random.NextDouble() * 700, -random.NextDouble() * 3, -random.NextDouble() * 1e-9, i == 0 ? 0.0 : -random.NextDouble() * 40);
            Assert.True(PortableMathLanes.ExpDomain(x));
            var exp = PortableMathLanes.Exp(x);
            var y = Vector256.Create(1.0) + exp;
            var log = PortableMathLanes.Log(y);
            var wide = Vector256.Create(random.NextDouble() * 1e300, 1e-300 + random.NextDouble(), random.NextDouble() * 1e6, 2.0);
            var logWide = PortableMathLanes.Log(wide);
            for (var lane = 0; lane < 4; lane++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(PortableMath.Exp(x[lane])), BitConverter.DoubleToInt64Bits(exp[lane]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(PortableMath.Log(y[lane])), BitConverter.DoubleToInt64Bits(log[lane]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(PortableMath.Log(wide[lane])), BitConverter.DoubleToInt64Bits(logWide[lane]));
            }
        }
    }

    [Theory]
    [InlineData(10_000, 1.0)]
    [InlineData(1_003, 30.0)]
    [InlineData(7, 1.0)]
    [InlineData(2, 1.0)]
    public void Evaluate_IsBitIdenticalToTheScalarReference(int testCount, double modelScale)
    {
        var split = SyntheticSusy.Generate(1_000, testCount, 3);
        var learner = new OnlineLogisticLearner(split.Train, [0, 1, 2], 1, 0.05, split.Test);
        var random = new Xoshiro256StarStar(11);
        for (var trial = 0; trial < 20; trial++)
        {
            var model = new float[split.Test.FeatureCount + 1];
            for (var k = 0; k < model.Length; k++)
            {
                model[k] = (float)(random.NextGaussian() * modelScale);
            }

            // Every few trials one huge weight drives some scores beyond the vector path's range, some to ±∞.
            if (trial % 5 == 4)
            {
                model[trial % model.Length] = trial % 10 == 4 ? 1e4f : float.MaxValue;
            }

            var (loss, accuracy) = Reference(model, split.Test);
            var evaluation = learner.Evaluate(model);
            Assert.Equal(BitConverter.DoubleToInt64Bits(loss), BitConverter.DoubleToInt64Bits(evaluation.Loss));
            Assert.Equal(accuracy, evaluation.Accuracy);
        }
    }

    /// <summary>The evaluation as it was written before vectorizing: one sample at a time, in order.</summary>
    private static (double Loss, double Accuracy) Reference(float[] model, Dataset test)
    {
        var lossSum = 0.0;
        var correct = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var x = test.FeaturesOf(i);
            var score = (double)model[x.Length];
            for (var k = 0; k < x.Length; k++)
            {
                score += (double)model[k] * x[k];
            }

            var label = test.Labels[i];
            lossSum += Math.Max(score, 0) + PortableMath.Log(1 + PortableMath.Exp(-Math.Abs(score))) - (label * score);
            if ((score > 0 ? 1 : 0) == label)
            {
                correct++;
            }
        }

        return (lossSum / test.Count, (double)correct / test.Count);
    }
}
