using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>
/// Sample-level DP-SGD in the engine (<see cref="TorchModel.UseSampleDp(SampleDpSettings?, ulong)"/>): without
/// clipping or noise it is plain SGD; its clipped sum agrees with PyTorch's per-sample loop in float64; its noise
/// has the variance the mechanism promises and comes from the model's own generator; bad settings are refused.
/// </summary>
[Collection(LibTorchTests.Name)]
public sealed class SampleDpTests
{
    /// <summary>
    /// Plain SGD against DP-SGD with nothing clipped: the same sums in another order (a per-sample product summed
    /// over the batch against libtorch's backward), so equal up to float32 round-off, which two epochs of momentum
    /// carry along: the parameters differ by at most this fraction of how far training moved them.
    /// </summary>
    private const double PlainTolerance = 1e-5;

    /// <summary>Our float32 clipped mean gradient against PyTorch's float64 one, in L2 relative to its norm.</summary>
    private const double ReferenceTolerance = 1e-5;

    [Theory]
    [InlineData("logreg")]
    [InlineData("mlp")]
    [InlineData("lenet")]
    public void Train_HugeClipAndNoNoise_EqualsPlainSgd(string kind)
    {
        var (spec, shape) = Model(kind);
        // 100 samples in batches of 32: the last batch has 4, and both divide by the batch's own size.
        var data = RandomData.Learnable(100, shape, 10, seed: 5);
        OnOneThread(() =>
        {
            using var plain = TorchModel.Create(spec, data, seed: 3);
            using var dp = TorchModel.Create(spec, data, seed: 3);
            plain.UseOptimizer(new SgdSpec(0.05, Momentum: 0.9));
            dp.UseOptimizer(new SgdSpec(0.05, Momentum: 0.9));
            dp.UseSampleDp(new SampleDpSettings(ClipNorm: 1e30, NoiseMultiplier: 0), noiseSeed: 1);
            var initial = plain.GetParameters();

            for (var epoch = 0; epoch < 2; epoch++)
            {
                var expected = plain.Train(data, [], 32);
                var actual = dp.Train(data, [], 32);
                Assert.True(Math.Abs(actual - expected) <= PlainTolerance * expected, $"epoch {epoch} loss: plain {expected:R}, DP-SGD {actual:R}");
            }

            var moved = Distance(plain.GetParameters(), initial);
            var apart = Distance(dp.GetParameters(), plain.GetParameters());
            Assert.True(moved > 0.1, $"training should move the parameters; moved {moved}");
            Assert.True(apart <= PlainTolerance * moved, $"DP-SGD ended {apart:E2} from plain SGD, {apart / moved:E2} of the distance trained");
        });
    }

    [Theory]
    [InlineData("logreg")]
    [InlineData("mlp")]
    [InlineData("lenet")]
    public void Train_ClipBindsForSomeSamples_MatchesPyTorchPerSampleLoop(string kind)
    {
        var (spec, shape) = Model(kind);
        var data = RandomData.Learnable(13, shape, 10, seed: 8);
        OnOneThread(() =>
        {
            using var model = TorchModel.Create(spec, data, seed: 4);
            // One step of SGD at learning rate 1 without momentum: the parameters move by minus the gradient.
            model.UseOptimizer(new SgdSpec(1.0));
            var initial = model.GetParameters();

            using var directory = new TempDirectory();
            using var reference = PyTorchReference.Run("dpstep", WriteJob(directory, kind, spec, data, initial));
            var clip = reference.RootElement.GetProperty("clip").GetDouble();
            var norms = reference.RootElement.GetProperty("norms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Contains(norms, n => n > clip * 1.05);
            Assert.Contains(norms, n => n < clip * 0.95);

            model.UseSampleDp(new SampleDpSettings(clip, NoiseMultiplier: 0), noiseSeed: 1);
            var loss = model.Train(data, [], data.Count);
            var after = model.GetParameters();

            var expected = ReadDoubles(directory.File("gradient.bin"));
            Assert.Equal(expected.Length, initial.Length);
            double difference = 0, size = 0;
            for (var i = 0; i < expected.Length; i++)
            {
                var ours = (double)initial[i] - after[i];
                difference += (ours - expected[i]) * (ours - expected[i]);
                size += expected[i] * expected[i];
            }

            var relative = Math.Sqrt(difference / size);
            Assert.True(relative <= ReferenceTolerance, $"clipped mean gradient: relative L2 difference {relative:E2} from PyTorch's per-sample loop");
            var referenceLoss = reference.RootElement.GetProperty("mean_loss").GetDouble();
            Assert.True(Math.Abs(loss - referenceLoss) <= 1e-5 * referenceLoss, $"loss {loss:R}, PyTorch {referenceLoss:R}");
        });
    }

    /// <summary>
    /// TorchScript modules take the per-sample loop; PyTorch's scripted 18-16-2 network has the parameters of the
    /// built-in MLP 18-16-2 in the same order, so given the same values both paths must train alike.
    /// </summary>
    [Fact]
    public void Train_TorchScriptModel_ClipsAsTheSameBuiltInMlp()
    {
        using var directory = new TempDirectory();
        var path = directory.File("classifier.pt");
        using var scripted = PyTorchReference.Run("script", path);
        var data = RandomData.Learnable(40, [18], 2, seed: 12);
        var settings = new SampleDpSettings(ClipNorm: 0.05, NoiseMultiplier: 0);
        OnOneThread(() =>
        {
            using var builtIn = TorchModel.Create(ModelSpec.Mlp(16), data, seed: 6);
            using var script = TorchModel.Create(ModelSpec.TorchScript(path), data);
            using var plain = TorchModel.Create(ModelSpec.Mlp(16), data, seed: 6);
            var initial = builtIn.GetParameters();
            script.SetParameters(initial);
            foreach (var model in new[] { builtIn, script, plain })
            {
                model.UseOptimizer(new SgdSpec(0.1, Momentum: 0.9));
            }

            builtIn.UseSampleDp(settings, noiseSeed: 1);
            script.UseSampleDp(settings, noiseSeed: 1);
            for (var epoch = 0; epoch < 2; epoch++)
            {
                builtIn.Train(data, [], 10);
                script.Train(data, [], 10);
                plain.Train(data, [], 10);
            }

            var moved = Distance(builtIn.GetParameters(), initial);
            var apart = Distance(script.GetParameters(), builtIn.GetParameters());
            Assert.True(apart <= PlainTolerance * moved, $"the per-sample loop ended {apart / moved:E2} of the distance trained from the built-in path");
            // And the clipping bound: plain SGD went elsewhere.
            Assert.True(Distance(plain.GetParameters(), builtIn.GetParameters()) > 0.1 * moved, "a clip norm of 0.05 should change the training");
        });
    }

    [Fact]
    public void Train_Noise_ParameterChangeHasVarianceOfLrSigmaClipOverBatch()
    {
        const double LearningRate = 0.1, Clip = 0.5, Sigma = 1.3;
        const int Batch = 16;
        var data = RandomData.Learnable(Batch, [1, 28, 28], 10, seed: 9);
        OnOneThread(() =>
        {
            // The same step without noise is the mean; the difference is the noise alone, lr·σC/B·N(0, 1).
            var clean = OneStep(data, new SampleDpSettings(Clip, 0), LearningRate, noiseSeed: 0);
            var noisy = OneStep(data, new SampleDpSettings(Clip, Sigma), LearningRate, noiseSeed: 42);
            var n = clean.Length;
            var expected = LearningRate * Sigma * Clip / Batch;
            double sum = 0, squares = 0;
            var withinOne = 0;
            for (var i = 0; i < n; i++)
            {
                var d = (double)noisy[i] - clean[i];
                sum += d;
                squares += d * d;
                withinOne += Math.Abs(d) <= expected ? 1 : 0;
            }

            // 199,210 coordinates: the mean's standard error is s/446, the variance's relative one 0.32%, the
            // fraction within one s (0.6827 for a normal distribution) has 0.001.
            var mean = sum / n;
            var variance = (squares / n) - (mean * mean);
            Assert.True(Math.Abs(mean) <= 5 * expected / Math.Sqrt(n), $"noise mean {mean:E3}, s = {expected:E3}");
            Assert.True(Math.Abs((variance / (expected * expected)) - 1) <= 0.02, $"noise variance {variance:E4}, expected {expected * expected:E4}");
            Assert.True(Math.Abs(((double)withinOne / n) - 0.6827) <= 0.006, $"fraction within one s: {(double)withinOne / n:F4}");
        });
    }

    [Fact]
    public void Train_Noise_SameSeedRepeatsAndAnotherSeedDiffers()
    {
        var data = RandomData.Learnable(16, [18], 10, seed: 9);
        var settings = new SampleDpSettings(1.0, 1.0);
        OnOneThread(() =>
        {
            var first = OneStep(data, settings, 0.1, noiseSeed: 7, ModelSpec.Mlp(32));
            var again = OneStep(data, settings, 0.1, noiseSeed: 7, ModelSpec.Mlp(32));
            var other = OneStep(data, settings, 0.1, noiseSeed: 8, ModelSpec.Mlp(32));

            Assert.Equal(first, again);
            Assert.NotEqual(first, other);
        });
    }

    [Fact]
    public void Train_Noise_LeavesLibTorchsGlobalGeneratorAlone()
    {
        var data = RandomData.Learnable(16, [18], 10, seed: 9);
        lock (TorchRuntime.GeneratorGate)
        {
            TorchRuntime.Seed(31);
            using (var model = TorchModel.Create(ModelSpec.Mlp(32), data))
            {
                model.UseSampleDp(new SampleDpSettings(1.0, 1.0), noiseSeed: 5);
                model.Train(data, [], 4);
            }

            using var afterNoise = TorchModel.Create(ModelSpec.Mlp(32), data);

            TorchRuntime.Seed(31);
            TorchModel.Create(ModelSpec.Mlp(32), data).Dispose();

            using var withoutNoise = TorchModel.Create(ModelSpec.Mlp(32), data);
            Assert.Equal(withoutNoise.GetParameters(), afterNoise.GetParameters());
        }
    }

    [Fact]
    public void UseSampleDp_Null_ReturnsToPlainSgd()
    {
        var data = RandomData.Learnable(20, [18], 10, seed: 3);
        OnOneThread(() =>
        {
            using var plain = TorchModel.Create(ModelSpec.Mlp(8), data, seed: 2);
            using var toggled = TorchModel.Create(ModelSpec.Mlp(8), data, seed: 2);
            toggled.UseSampleDp(new SampleDpSettings(0.01, 5), noiseSeed: 3);
            toggled.UseSampleDp(null);

            plain.Train(data, [], 5);
            toggled.Train(data, [], 5);

            Assert.Null(toggled.SampleDp);
            Assert.Equal(plain.GetParameters(), toggled.GetParameters());
        });
    }

    [Theory]
    [InlineData(0.0, 1.0, "clipping norm")]
    [InlineData(-1.0, 1.0, "clipping norm")]
    [InlineData(double.NaN, 1.0, "clipping norm")]
    [InlineData(double.PositiveInfinity, 1.0, "clipping norm")]
    [InlineData(1.0, -0.5, "noise multiplier")]
    [InlineData(1.0, double.NaN, "noise multiplier")]
    [InlineData(1.0, double.PositiveInfinity, "noise multiplier")]
    public void UseSampleDp_InvalidSettings_ThrowsAndLeavesTheModelAsItWas(double clip, double noise, string named)
    {
        var data = RandomData.Learnable(8, [6], 2, seed: 1);
        using var model = TorchModel.Create(ModelSpec.Mlp(4), data, seed: 1);
        model.UseSampleDp(new SampleDpSettings(2.0, 0.5), noiseSeed: 1);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.UseSampleDp(new SampleDpSettings(clip, noise), noiseSeed: 1));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Equal(new SampleDpSettings(2.0, 0.5), model.SampleDp);
        Assert.True(double.IsFinite(model.Train(data, [], 4)));
    }

    [Theory]
    [InlineData(0.0, 1.0, "clipping norm")]
    [InlineData(-1.0, 1.0, "clipping norm")]
    [InlineData(double.NaN, 1.0, "clipping norm")]
    [InlineData(double.NegativeInfinity, 1.0, "clipping norm")]
    [InlineData(1.0, -1e-9, "noise multiplier")]
    [InlineData(1.0, double.NaN, "noise multiplier")]
    [InlineData(1.0, double.PositiveInfinity, "noise multiplier")]
    public void NativeUseDpSgd_InvalidSettings_ReturnsArgumentErrorWithMessage(double clip, double noise, string named)
    {
        using var model = TorchModel.Create(ModelSpec.LogReg, [6], 2, seed: 1);

        var status = NativeMethods.gf_model_use_dp_sgd(model.Handle, clip, noise, 1);

        Assert.Equal(NativeStatusCodes.Argument, status);
        Assert.Contains(named, Marshal.PtrToStringUTF8(NativeMethods.gf_last_error()), StringComparison.Ordinal);
    }

    private static (ModelSpec Spec, int[] Shape) Model(string kind) => kind switch
    {
        "logreg" => (ModelSpec.LogReg, [18]),
        "mlp" => (ModelSpec.Mlp(16, 12), [18]),
        "lenet" => (ModelSpec.LeNet5, [1, 28, 28]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static float[] OneStep(Dataset data, SampleDpSettings settings, double learningRate, ulong noiseSeed, ModelSpec? spec = null)
    {
        using var model = TorchModel.Create(spec ?? ModelSpec.Mlp(200, 200), data, seed: 11);
        model.UseOptimizer(new SgdSpec(learningRate));
        model.UseSampleDp(settings, noiseSeed);
        model.Train(data, [], data.Count);
        return model.GetParameters();
    }

    private static double Distance(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    private static void OnOneThread(Action action)
    {
        var threads = TorchRuntime.Threads;
        TorchRuntime.Threads = 1;
        try
        {
            action();
        }
        finally
        {
            TorchRuntime.Threads = threads;
        }
    }

    private static string WriteJob(TempDirectory directory, string kind, ModelSpec spec, Dataset data, float[] initial)
    {
        WriteFloats(directory.File("parameters.bin"), initial);
        WriteFloats(directory.File("features.bin"), data.Features);
        var labels = new byte[data.Labels.Length * sizeof(long)];
        for (var i = 0; i < data.Labels.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(labels.AsSpan(i * sizeof(long)), data.Labels[i]);
        }

        File.WriteAllBytes(directory.File("labels.bin"), labels);
        var job = new
        {
            kind,
            shape = data.SampleShape,
            hidden = spec.Hidden,
            classes = data.ClassCount,
            parameters = directory.File("parameters.bin"),
            features = directory.File("features.bin"),
            labels = directory.File("labels.bin"),
            clip = 0.0,
            gradient = directory.File("gradient.bin"),
        };
        var path = directory.File("job.json");
        File.WriteAllText(path, JsonSerializer.Serialize(job));
        return path;
    }

    private static void WriteFloats(string path, float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        File.WriteAllBytes(path, bytes);
    }

    private static double[] ReadDoubles(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new double[bytes.Length / sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)));
        }

        return values;
    }
}
