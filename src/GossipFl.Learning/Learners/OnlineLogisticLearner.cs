using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Learners;

/// <summary>
/// Online logistic regression in managed code, the model of the OPS paper's online experiments: parameters
/// are the feature weights followed by the bias; each round takes the next mini-batch of the node's stream,
/// measures the binary cross-entropy of each sample before the update (the online regret's term), and applies
/// one SGD step with the batch-mean gradient. A native call per step would cost more than the step itself
/// (N = 1024 peers × T = 2000 rounds is two million steps of 19 numbers), so this stays in C#.
/// Arithmetic is scalar double in index order and one float rounding per parameter, so every machine gets
/// the same bits (exp and log come from <see cref="PortableMath"/>, not the C runtime).
/// </summary>
public sealed class OnlineLogisticLearner : ILocalLearner
{
    private readonly Dataset _train;
    private readonly int[] _stream;
    private readonly int _batchSize;
    private readonly double _learningRate;
    private readonly Dataset? _test;
    private readonly double[] _gradient;

    /// <param name="train">The samples the stream indexes (binary labels 0/1).</param>
    /// <param name="stream">Sample indices in the order the node sees them; round r uses entries [r·B, (r+1)·B) modulo its length.</param>
    /// <param name="batchSize">Samples per round (B).</param>
    /// <param name="learningRate">SGD step size.</param>
    /// <param name="test">Data <see cref="Evaluate"/> measures on; null for none.</param>
    /// <param name="sampleCount">Samples the node is said to hold (FedAvg weight); the stream length when null.</param>
    public OnlineLogisticLearner(Dataset train, int[] stream, int batchSize, double learningRate, Dataset? test, int? sampleCount = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (train.ClassCount != 2)
        {
            throw new ArgumentException($"online logistic regression needs a binary task; '{train.Name}' has {train.ClassCount} classes", nameof(train));
        }

        if (stream.Length == 0)
        {
            throw new ArgumentException("the stream is empty", nameof(stream));
        }

        _train = train;
        _stream = stream;
        _batchSize = batchSize;
        _learningRate = learningRate;
        _test = test;
        _gradient = new double[train.FeatureCount + 1];
        SampleCount = sampleCount ?? stream.Length;
    }

    public int ParameterCount => _train.FeatureCount + 1;

    public int SampleCount { get; }

    /// <summary>The initial parameters: all zero (the prediction 1/2 for every sample).</summary>
    public static float[] InitialParameters(int featureCount) => new float[featureCount + 1];

    public double Train(long round, ReadOnlySpan<float> model, Span<float> target)
    {
        CheckLength(model);
        CheckLength(target);
        var features = _train.FeatureCount;
        Array.Clear(_gradient);
        var lossSum = 0.0;
        var start = round * _batchSize;
        for (var b = 0; b < _batchSize; b++)
        {
            var sample = _stream[(int)((start + b) % _stream.Length)];
            var x = _train.FeaturesOf(sample);
            var score = Score(model, x);
            var label = (double)_train.Labels[sample];
            // One exponential serves both the loss and the sigmoid.
            var e = PortableMath.Exp(-Math.Abs(score));
            lossSum += Math.Max(score, 0) + PortableMath.Log(1 + e) - (label * score);
            var residual = (score >= 0 ? 1 / (1 + e) : e / (1 + e)) - label;
            for (var k = 0; k < features; k++)
            {
                _gradient[k] += residual * x[k];
            }

            _gradient[features] += residual;
        }

        // The whole gradient is formed before target changes, so target may be model's own memory.
        var step = _learningRate / _batchSize;
        for (var k = 0; k <= features; k++)
        {
            target[k] = (float)(target[k] - (step * _gradient[k]));
        }

        return lossSum / _batchSize;
    }

    /// <summary>
    /// Binary cross-entropy and accuracy of <paramref name="model"/> on the whole test set. Four samples are
    /// scored at once where the hardware allows (<see cref="TestSetBlocks"/>, <see cref="PortableMathLanes"/>):
    /// each lane does the scalar code's operations in the scalar code's order and the per-sample losses are summed
    /// in sample order, so the result is bit-identical to the one-sample-at-a-time loop, which remains for the
    /// samples after the last block and for machines without 256-bit vectors.
    /// </summary>
    public Evaluation Evaluate(ReadOnlySpan<float> model)
    {
        CheckLength(model);
        if (_test is null || _test.Count == 0)
        {
            return new Evaluation(double.NaN, double.NaN);
        }

        var lossSum = 0.0;
        var correct = 0;
        var first = 0;
        if (Vector256.IsHardwareAccelerated && Avx.IsSupported)
        {
            first = EvaluateBlocks(model, TestSetBlocks.Of(_test), ref lossSum, ref correct);
        }

        for (var i = first; i < _test.Count; i++)
        {
            EvaluateOne(Score(model, _test.FeaturesOf(i)), _test.Labels[i], ref lossSum, ref correct);
        }

        return new Evaluation(lossSum / _test.Count, (double)correct / _test.Count);
    }

    /// <summary>Adds the loss and the hit of one sample, given its score: the reference arithmetic.</summary>
    private static void EvaluateOne(double score, long label, ref double lossSum, ref int correct)
    {
        lossSum += Loss(score, label);
        if ((score > 0 ? 1 : 0) == label)
        {
            correct++;
        }
    }

    /// <summary>The blocked samples, four at a time; returns the first sample not covered.</summary>
    private static int EvaluateBlocks(ReadOnlySpan<float> model, TestSetBlocks blocks, ref double lossSum, ref int correct)
    {
        var features = blocks.FeatureCount;
        Span<Vector256<double>> weights = features <= 64 ? stackalloc Vector256<double>[features] : new Vector256<double>[features];
        for (var k = 0; k < features; k++)
        {
            weights[k] = Vector256.Create((double)model[k]);
        }

        var bias = Vector256.Create((double)model[features]);
        var values = blocks.Values;
        var labels = blocks.Labels;
        Span<double> lanes = stackalloc double[TestSetBlocks.Lanes];
        for (var block = 0; block < blocks.BlockCount; block++)
        {
            ref var x = ref values[block * features * TestSetBlocks.Lanes];
            var score = bias;
            for (var k = 0; k < features; k++)
            {
                // float × float is exact in double, and the sum runs over k in the scalar order.
                var xk = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref x, (nuint)(k * TestSetBlocks.Lanes)));
                score += weights[k] * xk;
            }

            var at = block * TestSetBlocks.Lanes;
            var label = Vector256.LoadUnsafe(ref labels[at]);
            var negativeMagnitude = -Vector256.Abs(score);
            if (!PortableMathLanes.ExpDomain(negativeMagnitude))
            {
                // A score beyond ±700 or NaN: the scalar code's special cases, lane by lane, same order.
                for (var lane = 0; lane < TestSetBlocks.Lanes; lane++)
                {
                    EvaluateOne(score.GetElement(lane), (long)labels[at + lane], ref lossSum, ref correct);
                }

                continue;
            }

            // 1 + e^-|s| is in [1, 2]: always in Log's plain domain.
            var log = PortableMathLanes.Log(Vector256.Create(1.0) + PortableMathLanes.Exp(negativeMagnitude));
            var loss = (Vector256.Max(score, Vector256<double>.Zero) + log) - (label * score);
            loss.CopyTo(lanes);
            for (var lane = 0; lane < TestSetBlocks.Lanes; lane++)
            {
                lossSum += lanes[lane];
            }

            var predictedPositive = Vector256.GreaterThan(score, Vector256<double>.Zero);
            var labelledPositive = Vector256.Equals(label, Vector256.Create(1.0));
            correct += BitOperations.PopCount(~Vector256.ExtractMostSignificantBits(predictedPositive ^ labelledPositive) & 0xFu);
        }

        return blocks.BlockCount * TestSetBlocks.Lanes;
    }

    private static double Score(ReadOnlySpan<float> model, ReadOnlySpan<float> x)
    {
        var score = (double)model[x.Length];
        for (var k = 0; k < x.Length; k++)
        {
            score += (double)model[k] * x[k];
        }

        return score;
    }

    /// <summary>Binary cross-entropy from the score s: log(1 + e^s) - y·s, in a form that cannot overflow.</summary>
    private static double Loss(double score, double label) =>
        Math.Max(score, 0) + PortableMath.Log(1 + PortableMath.Exp(-Math.Abs(score))) - (label * score);

    private void CheckLength(ReadOnlySpan<float> vector)
    {
        if (vector.Length != ParameterCount)
        {
            throw new ArgumentException($"expected {ParameterCount} parameters, got {vector.Length}");
        }
    }
}
