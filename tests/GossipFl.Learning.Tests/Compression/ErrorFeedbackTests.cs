using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Tests.Compression;

public sealed class ErrorFeedbackTests
{
    [Theory]
    [InlineData("topk:0.01")]
    [InlineData("topk:0.1")]
    [InlineData("int8")]
    [InlineData("fp16")]
    [InlineData("sign")]
    public void SumOfWhatWasSent_ConvergesToSumOfInputs(string name)
    {
        const int n = 1000;
        var codec = CodecSpec.Parse(name).Create(n);
        var feedback = new ErrorFeedback(codec);
        var inputs = new double[n];
        var sent = new double[n];
        var bytes = new byte[codec.EncodedSize];
        var decoded = new float[n];
        var values = new float[n];
        var generator = new CodecRandom(3);
        const int rounds = 400;
        for (var t = 0; t < rounds; t++)
        {
            for (var i = 0; i < n; i++)
            {
                values[i] = (2 * generator.NextSingle()) - 1;
                inputs[i] += values[i];
            }

            var random = CodecRandom.For(1, 0, t);
            feedback.Encode(values, bytes, ref random);
            Array.Clear(decoded);
            Assert.True(codec.TryDecodeAdd(bytes, decoded, 1f, out _));
            for (var i = 0; i < n; i++)
            {
                sent[i] += decoded[i];
            }
        }

        // Σ sent = Σ inputs − e exactly in real arithmetic, coordinate by coordinate; in floats up to the rounding of
        // 400 additions. The memory stays bounded while the sums grow: the sent sum converges to the input sum.
        var gap = 0.0;
        for (var i = 0; i < n; i++)
        {
            var difference = inputs[i] - sent[i];
            Assert.True(Math.Abs(difference - feedback.Memory[i]) < 1e-3, $"coordinate {i}: Σ inputs − Σ sent = {difference}, memory {feedback.Memory[i]}");
            gap = Math.Max(gap, Math.Abs(difference));
        }

        Assert.True(gap < 0.1 * rounds, $"largest gap {gap:F3} after {rounds} rounds");
        var meanInput = inputs.Average(Math.Abs);
        var meanGap = inputs.Zip(sent).Average(p => Math.Abs(p.First - p.Second));
        Assert.True(meanGap < 0.5 * meanInput + 1, $"mean gap {meanGap:F3}, mean |Σ input| {meanInput:F3}");
    }

    [Fact]
    public void TopK_WithoutAndWithFeedback_OnlyFeedbackSendsEveryCoordinate()
    {
        // A constant input: top-k alone sends the same k coordinates forever; with memory every coordinate's
        // remainder grows until it is sent.
        const int n = 200;
        var codec = new TopKCodec(n, 0.05);
        var feedback = new ErrorFeedback(codec);
        var values = Enumerable.Range(0, n).Select(i => 1f + (i * 1e-3f)).ToArray();
        var bytes = new byte[codec.EncodedSize];
        var ever = new bool[n];
        var decoded = new float[n];
        for (var t = 0; t < 100; t++)
        {
            var random = new CodecRandom(1);
            feedback.Encode(values, bytes, ref random);
            Array.Clear(decoded);
            Assert.True(codec.TryDecodeAdd(bytes, decoded, 1f, out _));
            for (var i = 0; i < n; i++)
            {
                ever[i] |= decoded[i] != 0;
            }
        }

        Assert.All(ever, Assert.True);
    }
}
