using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>A checkpoint of parameters plus optimizer state resumes training exactly where it stopped.</summary>
[Collection(LibTorchTests.Name)]
public sealed class OptimizerStateTests
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void SaveThenLoad_IntoFreshModel_ContinuesBitForBit(string optimizer)
    {
        var data = RandomData.Learnable(256, [10], 3, seed: 8);
        OptimizerSpec spec = optimizer == "sgd" ? new SgdSpec(0.05, Momentum: 0.9) : new AdamSpec(0.01);
        using var directory = new TempDirectory();
        var state = directory.File("optimizer.pt");

        using var original = TorchModel.Create(ModelSpec.Mlp(16), data, seed: 6);
        original.UseOptimizer(spec);
        original.Train(data, [], 32);
        var checkpoint = original.GetParameters();
        original.SaveOptimizerState(state);
        original.Train(data, [], 32);

        using var resumed = TorchModel.Create(ModelSpec.Mlp(16), data);
        resumed.UseOptimizer(spec);
        resumed.SetParameters(checkpoint);
        resumed.LoadOptimizerState(state);
        resumed.Train(data, [], 32);

        using var restartedWithoutState = TorchModel.Create(ModelSpec.Mlp(16), data);
        restartedWithoutState.UseOptimizer(spec);
        restartedWithoutState.SetParameters(checkpoint);
        restartedWithoutState.Train(data, [], 32);

        Assert.Equal(original.GetParameters(), resumed.GetParameters());
        Assert.NotEqual(original.GetParameters(), restartedWithoutState.GetParameters());
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingIt()
    {
        using var model = TorchModel.Create(ModelSpec.LogReg, [4], 2);
        var path = Path.Combine(Path.GetTempPath(), $"gossipfl-no-state-{Guid.NewGuid():N}.pt");

        var error = Assert.Throws<TorchException>(() => model.LoadOptimizerState(path));

        Assert.Contains($"cannot open optimizer state file '{path}'", error.Message, StringComparison.Ordinal);
    }
}
