using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

[Collection(LibTorchTests.Name)]
public sealed class TorchModelTests
{
    private static readonly int[] Tabular = [12];

    [Fact]
    public void ParameterCount_Mlp2NN_MatchesLayerSizes()
    {
        using var model = TorchModel.Create(ModelSpec.Mlp(), [1, 28, 28], 10);

        // 784x200 + 200, 200x200 + 200, 200x10 + 10.
        Assert.Equal((784 * 200) + 200 + (200 * 200) + 200 + (200 * 10) + 10, model.ParameterCount);
    }

    [Fact]
    public void ParameterCount_LeNet5_MatchesLayerSizes()
    {
        using var model = TorchModel.Create(ModelSpec.LeNet5, [1, 28, 28], 10);

        var conv = (6 * 1 * 5 * 5) + 6 + (16 * 6 * 5 * 5) + 16;
        var dense = (400 * 120) + 120 + (120 * 84) + 84 + (84 * 10) + 10;
        Assert.Equal(conv + dense, model.ParameterCount);
    }

    [Fact]
    public void Create_SameSeed_SameInitialParameters()
    {
        using var first = TorchModel.Create(ModelSpec.Mlp(16), Tabular, 3, seed: 42);
        using var second = TorchModel.Create(ModelSpec.Mlp(16), Tabular, 3, seed: 42);
        using var third = TorchModel.Create(ModelSpec.Mlp(16), Tabular, 3, seed: 43);

        Assert.Equal(first.GetParameters(), second.GetParameters());
        Assert.NotEqual(first.GetParameters(), third.GetParameters());
    }

    [Fact]
    public async Task Create_WithASeed_WhileAnotherThreadCreatesALargeModel_StartsFromThatSeed()
    {
        // libtorch has one generator per process. Drawing a large model's 199,210 initial values takes milliseconds;
        // a seed set on another thread in the meantime must still reach the model it was meant for, whole.
        float[] reference;
        using (var model = TorchModel.Create(ModelSpec.Mlp(16), Tabular, 3, seed: 42))
        {
            reference = model.GetParameters();
        }

        using var stop = new CancellationTokenSource();
        var large = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var model = TorchModel.Create(ModelSpec.Mlp(200, 200), [1, 28, 28], 10);
            }
        });
        var mismatches = 0;
        try
        {
            for (var i = 0; i < 200; i++)
            {
                using var model = TorchModel.Create(ModelSpec.Mlp(16), Tabular, 3, seed: 42);
                mismatches += model.GetParameters().AsSpan().SequenceEqual(reference) ? 0 : 1;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await large.WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void SetParameters_ThenGet_RoundTripsBitForBit()
    {
        using var model = TorchModel.Create(ModelSpec.LeNet5, [1, 28, 28], 10, seed: 1);
        var random = new Random(5);
        var values = new float[model.ParameterCount];
        for (var i = 0; i < values.Length; i++)
        {
            // Include values that a lossy path would change: subnormals, large magnitudes, negative zero.
            values[i] = (i % 4) switch
            {
                0 => (float)(random.NextDouble() - 0.5),
                1 => BitConverter.Int32BitsToSingle(random.Next(1, 1 << 23)),
                2 => (float)(random.NextDouble() * 1e30),
                _ => -0.0f,
            };
        }

        model.SetParameters(values);
        var back = model.GetParameters();

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void SetParameters_CopiedFromTrainedModel_MakesSamePredictions()
    {
        var data = RandomData.Learnable(600, Tabular, 3, seed: 11);
        using var trained = TorchModel.Create(ModelSpec.Mlp(32), data, seed: 2);
        trained.UseOptimizer(new SgdSpec(0.1, Momentum: 0.9));
        for (var epoch = 0; epoch < 5; epoch++)
        {
            trained.Train(data, [], batchSize: 32);
        }

        using var fresh = TorchModel.Create(ModelSpec.Mlp(32), data, seed: 3);
        var before = Predict(fresh, data);
        fresh.SetParameters(trained.GetParameters());
        var after = Predict(fresh, data);

        Assert.Equal(Predict(trained, data), after);
        Assert.NotEqual(before, after);
        Assert.True(fresh.Evaluate(data).Accuracy > 0.9, "the copied parameters should carry the trained accuracy");
    }

    [Fact]
    public void SetParameters_BiasOnlyOnOneClass_PredictsThatClassEverywhere()
    {
        var data = RandomData.Learnable(50, Tabular, 4, seed: 3);
        using var model = TorchModel.Create(ModelSpec.LogReg, data);
        var parameters = new float[model.ParameterCount];

        // parameters() order for logreg: weight [4 x 12], then bias [4].
        parameters[(4 * 12) + 2] = 1f;
        model.SetParameters(parameters);

        Assert.All(Predict(model, data), predicted => Assert.Equal(2, predicted));
    }

    [Fact]
    public void Train_LearnableData_LossFallsAndAccuracyRises()
    {
        var data = RandomData.Learnable(2000, Tabular, 3, seed: 7);
        using var model = TorchModel.Create(ModelSpec.Mlp(32), data, seed: 4);
        model.UseOptimizer(new AdamSpec(0.01));
        var before = model.Evaluate(data);

        var firstEpochLoss = model.Train(data, [], batchSize: 50);
        var lastEpochLoss = firstEpochLoss;
        for (var epoch = 0; epoch < 9; epoch++)
        {
            lastEpochLoss = model.Train(data, [], batchSize: 50);
        }

        var after = model.Evaluate(data);
        Assert.True(lastEpochLoss < firstEpochLoss / 2, $"training loss {firstEpochLoss} -> {lastEpochLoss}");
        Assert.True(after.Loss < before.Loss / 2, $"evaluation loss {before.Loss} -> {after.Loss}");
        Assert.True(after.Accuracy > 0.9, $"accuracy {after.Accuracy}");
    }

    [Fact]
    public void Train_WithOrder_UsesOnlyTheListedSamplesInThatOrder()
    {
        var data = RandomData.Learnable(100, Tabular, 3, seed: 9);
        long[] order = [5, 3, 99, 42, 0, 17];
        var picked = data.Subset(order.Select(i => (int)i).ToArray());

        using var viaOrder = TorchModel.Create(ModelSpec.Mlp(8), data, seed: 5);
        using var viaSubset = TorchModel.Create(ModelSpec.Mlp(8), data, seed: 5);
        var lossViaOrder = viaOrder.Train(data, order, batchSize: 4);
        var lossViaSubset = viaSubset.Train(picked, [], batchSize: 4);

        Assert.Equal(lossViaSubset, lossViaOrder);
        Assert.Equal(viaSubset.GetParameters(), viaOrder.GetParameters());
    }

    [Fact]
    public void SetLearningRate_Zero_LeavesParametersUnchanged()
    {
        var data = RandomData.Learnable(64, Tabular, 3, seed: 1);
        using var model = TorchModel.Create(ModelSpec.Mlp(8), data);
        model.UseOptimizer(new SgdSpec(0.5, Momentum: 0.9, Nesterov: true));
        model.SetLearningRate(0);
        var before = model.GetParameters();

        model.Train(data, [], batchSize: 16);

        Assert.Equal(before, model.GetParameters());
    }

    private static long[] Predict(TorchModel model, GossipFl.Learning.Data.Dataset data)
    {
        var classes = new long[data.Count];
        model.Predict(data.Features, classes);
        return classes;
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(7)]
    [InlineData(2501)]
    public void Evaluate_ADataSetHeldAsCodes_ChunkByChunk_GivesTheBitsOfOneCallOverItsFloats_WithoutExpandingIt(int batchSize)
    {
        // 2,503 samples: chunks of whole batches and a short last chunk and batch, whatever the batch size.
        const int samples = 2503;
        var random = new Random(11);
        var codes = new byte[samples * 12];
        random.NextBytes(codes);
        var table = Enumerable.Range(0, 256).Select(c => (float)((c - 127.5) / 40.0)).ToArray();
        var labels = Enumerable.Range(0, samples).Select(_ => (long)random.Next(3)).ToArray();
        var coded = Dataset.FromCodes("coded", codes, table, labels, Tabular, 3);
        var plain = new Dataset("plain", codes.Select(c => table[c]).ToArray(), labels, Tabular, 3);
        using var model = TorchModel.Create(ModelSpec.Mlp(16), Tabular, 3, seed: 9);

        var chunked = model.Evaluate(coded, batchSize);
        var whole = model.Evaluate(plain, batchSize);

        Assert.False(coded.IsExpanded);
        Assert.Equal(BitConverter.DoubleToInt64Bits(whole.Loss), BitConverter.DoubleToInt64Bits(chunked.Loss));
        Assert.Equal(whole.Accuracy, chunked.Accuracy);
        Assert.InRange(whole.Accuracy, 0.0, 1.0);
    }
}
