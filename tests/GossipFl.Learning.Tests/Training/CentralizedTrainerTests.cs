using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Tests.Torch;
using GossipFl.Learning.Torch;
using GossipFl.Learning.Training;

namespace GossipFl.Learning.Tests.Training;

[Collection(LibTorchTests.Name)]
public sealed class CentralizedTrainerTests
{
    [Fact]
    public void RunEpoch_MlpOnFashionMnist_ReachesAtLeast80PercentAfterOneEpoch()
    {
        var data = FashionMnist.Load();
        using var model = TorchModel.Create(ModelSpec.Mlp(), data.Train, seed: 1);
        model.UseOptimizer(new SgdSpec(0.05, Momentum: 0.9));
        var trainer = new CentralizedTrainer(model, data, batchSize: 64, seed: 1);
        var reported = new List<double>();

        var result = trainer.RunEpoch(1, new Recorder(reported));

        Assert.True(result.Test.Accuracy >= 0.80, $"test accuracy after one epoch: {result.Test.Accuracy:P2}");
        Assert.InRange(result.TrainLoss, 0.1, 1.5);
        Assert.Equal(1.0, reported[^1]);
        Assert.Equal(reported.Order(), reported);
    }

    [Fact]
    public void RunEpoch_SameSeed_SameParameters_DifferentSeed_Different()
    {
        var data = SyntheticSusy.Generate(3000, 500, seed: 4);

        var first = TrainTwoEpochs(data, seed: 9);
        var again = TrainTwoEpochs(data, seed: 9);
        var other = TrainTwoEpochs(data, seed: 10);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void RunEpoch_Cancelled_StopsWithOperationCanceled()
    {
        var data = SyntheticSusy.Generate(3000, 500, seed: 4);
        using var model = TorchModel.Create(ModelSpec.LogReg, data.Train);
        var trainer = new CentralizedTrainer(model, data, batchSize: 32, seed: 1);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => trainer.RunEpoch(1, null, cancellation.Token));
    }

    private static float[] TrainTwoEpochs(DatasetSplit data, ulong seed)
    {
        using var model = TorchModel.Create(ModelSpec.Mlp(16), data.Train, seed: seed);
        model.UseOptimizer(new SgdSpec(0.05, Momentum: 0.9));
        var trainer = new CentralizedTrainer(model, data, batchSize: 32, seed: seed);
        trainer.RunEpoch(1);
        trainer.RunEpoch(2);
        return model.GetParameters();
    }

    private sealed class Recorder(List<double> values) : IProgress<double>
    {
        public void Report(double value) => values.Add(value);
    }
}
