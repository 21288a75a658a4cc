using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>A module scripted by PyTorch (torch.jit.script) loads and trains through the shim.</summary>
[Collection(LibTorchTests.Name)]
public sealed class TorchScriptTests
{
    [Fact]
    public void LoadScriptedModule_Trains_LossFallsAndAccuracyRises()
    {
        using var directory = new TempDirectory();
        var path = directory.File("classifier.pt");
        using var scripted = PyTorchReference.Run("script", path);
        var data = RandomData.Learnable(2000, [18], 2, seed: 13);

        using var model = TorchModel.Create(ModelSpec.TorchScript(path), data);
        model.UseOptimizer(new SgdSpec(0.1, Momentum: 0.9));
        var before = model.Evaluate(data);
        for (var epoch = 0; epoch < 5; epoch++)
        {
            model.Train(data, [], batchSize: 50);
        }

        var after = model.Evaluate(data);
        Assert.Equal(scripted.RootElement.GetProperty("parameters").GetInt32(), model.ParameterCount);
        Assert.True(after.Loss < before.Loss / 2, $"loss {before.Loss} -> {after.Loss}");
        Assert.True(after.Accuracy > 0.95, $"accuracy {after.Accuracy}");
    }

    [Fact]
    public void LoadScriptedModule_WrongClassCount_ThrowsNamingTheOutputShape()
    {
        using var directory = new TempDirectory();
        var path = directory.File("classifier.pt");
        using var scripted = PyTorchReference.Run("script", path);
        var data = RandomData.Learnable(20, [18], 3, seed: 13);

        using var model = TorchModel.Create(ModelSpec.TorchScript(path), data);
        var error = Assert.Throws<TorchException>(() => model.Train(data, [], batchSize: 10));

        Assert.Contains("the model returned output of shape [10, 2], expected [10, 3]", error.Message, StringComparison.Ordinal);
    }
}
