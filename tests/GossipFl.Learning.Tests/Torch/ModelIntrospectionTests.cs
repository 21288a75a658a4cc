using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>What a model says about itself for export: parameter names and shapes, class probabilities, its TorchScript form.</summary>
[Collection(LibTorchTests.Name)]
public sealed class ModelIntrospectionTests
{
    [Fact]
    public void ParameterLayout_Mlp_NamesEachLayerAsPyTorchStateDictKeys_InFlatVectorOrder()
    {
        using var model = TorchModel.Create(ModelSpec.Mlp(16, 8), [4], 3, seed: 1);

        var layout = model.ParameterLayout();

        Assert.Equal(["fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], layout.Select(p => p.Name));
        Assert.Equal([16L, 4], layout[0].Shape);
        Assert.Equal([3L], layout[5].Shape);
        Assert.Equal([0, 64, 80, 208, 216, 240], layout.Select(p => p.Offset));
        Assert.Equal(model.ParameterCount, layout.Sum(p => p.Count));
    }

    [Fact]
    public void ParameterLayout_LeNet_HasConvolutionKernelsOfFourDimensions()
    {
        using var model = TorchModel.Create(ModelSpec.LeNet5, [1, 28, 28], 10, seed: 1);

        var layout = model.ParameterLayout();

        Assert.Equal(["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"],
            layout.Select(p => p.Name));
        Assert.Equal([6L, 1, 5, 5], layout[0].Shape);
        Assert.Equal([120L, 400], layout[4].Shape);
        Assert.Equal(model.ParameterCount, layout.Sum(p => p.Count));
    }

    [Fact]
    public void Probabilities_SumToOnePerSample_AndTheirArgmaxIsThePrediction()
    {
        var data = RandomData.Learnable(50, [6], 4, seed: 3);
        using var model = TorchModel.Create(ModelSpec.Mlp(8), data, seed: 2);
        var probabilities = new float[data.Count * 4];
        var classes = new long[data.Count];

        model.Probabilities(data.Features, probabilities);
        model.Predict(data.Features, classes);

        for (var i = 0; i < data.Count; i++)
        {
            var row = probabilities.AsSpan(i * 4, 4);
            Assert.InRange(row.ToArray().Sum(), 0.99999f, 1.00001f);
            Assert.Equal(classes[i], row.IndexOf(row.ToArray().Max()));
        }
    }

    [Fact]
    public void SaveTorchScript_WritesTheCurrentParameters_ThatLoadBackUnchanged()
    {
        using var directory = new TempDirectory();
        var source = directory.File("classifier.pt");
        using var scripted = PyTorchReference.Run("script", source);
        using var model = TorchModel.Create(ModelSpec.TorchScript(source), [18], 2);
        var trained = model.GetParameters().Select((v, i) => v + (i * 0.001f)).ToArray();
        model.SetParameters(trained);

        var saved = directory.File("trained.pt");
        model.SaveTorchScript(saved);
        using var reloaded = TorchModel.Create(ModelSpec.TorchScript(saved), [18], 2);

        Assert.Equal(trained, reloaded.GetParameters());
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], reloaded.ParameterLayout().Select(p => p.Name));
    }

    [Fact]
    public void SaveTorchScript_BuiltInModel_IsRefusedWithAReason()
    {
        using var directory = new TempDirectory();
        using var model = TorchModel.Create(ModelSpec.LogReg, [4], 2, seed: 1);

        var error = Assert.Throws<TorchException>(() => model.SaveTorchScript(directory.File("x.pt")));

        Assert.Contains("only a model loaded from TorchScript can be saved as TorchScript", error.Message, StringComparison.Ordinal);
    }
}
