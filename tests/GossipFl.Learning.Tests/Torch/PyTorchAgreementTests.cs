using System.Buffers.Binary;
using System.Text.Json;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>
/// The engine against an independent implementation: PyTorch (python3-torch) builds the same architecture,
/// starts from our initial parameters, and runs SGD with momentum over the same batches. Every step's loss
/// and the final loss must agree to 1e-4 relative.
/// </summary>
[Collection(LibTorchTests.Name)]
public sealed class PyTorchAgreementTests
{
    private const int Steps = 50;
    private const int Batch = 32;
    private const double LearningRate = 0.05;
    private const double Momentum = 0.9;
    private const double Tolerance = 1e-4;

    [Fact]
    public void Mlp_50SgdSteps_LossMatchesPyTorch() =>
        AssertAgrees(ModelSpec.Mlp(200, 200), "mlp", [1, 28, 28]);

    [Fact]
    public void LeNet5_50SgdSteps_LossMatchesPyTorch() =>
        AssertAgrees(ModelSpec.LeNet5, "lenet", [1, 28, 28]);

    [Fact]
    public void LogReg_50SgdSteps_LossMatchesPyTorch() =>
        AssertAgrees(ModelSpec.LogReg, "logreg", [18]);

    private static void AssertAgrees(ModelSpec spec, string kind, int[] shape)
    {
        // More samples than one pass of 50 batches needs, so batches never repeat.
        var data = RandomData.Learnable(Steps * Batch, shape, 10, seed: 21);
        var threads = TorchRuntime.Threads;
        TorchRuntime.Threads = 1;
        try
        {
            using var model = TorchModel.Create(spec, data, seed: 17);
            model.UseOptimizer(new SgdSpec(LearningRate, Momentum));
            var initial = model.GetParameters();

            var ours = new double[Steps];
            for (var step = 0; step < Steps; step++)
            {
                var order = Enumerable.Range(step * Batch, Batch).Select(i => (long)i).ToArray();
                ours[step] = model.Train(data, order, Batch);
            }

            var ourFinal = model.Evaluate(data, batchSize: data.Count).Loss;
            using var directory = new TempDirectory();
            using var reference = PyTorchReference.Run("train", WriteJob(directory, kind, spec, data, initial));
            var theirs = reference.RootElement.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var theirFinal = reference.RootElement.GetProperty("final_loss").GetDouble();

            Assert.Equal(Steps, theirs.Length);
            for (var step = 0; step < Steps; step++)
            {
                AssertClose(theirs[step], ours[step], $"step {step + 1}");
            }

            AssertClose(theirFinal, ourFinal, "final loss");
            Assert.True(ourFinal < ours[0], $"training should lower the loss: first step {ours[0]}, final {ourFinal}");
        }
        finally
        {
            TorchRuntime.Threads = threads;
        }
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(
            Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected),
            $"{what}: GossipFl {actual:R}, PyTorch {expected:R}, relative difference {Math.Abs(actual - expected) / Math.Abs(expected):E2}");

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
            lr = LearningRate,
            momentum = Momentum,
            batch = Batch,
            steps = Steps,
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
}
