using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Torch;

/// <summary>Bad input raises an exception with the native (or our) message and leaves the engine usable.</summary>
[Collection(LibTorchTests.Name)]
public sealed class TorchErrorTests
{
    private static readonly int[] Tabular = [6];

    [Fact]
    public void Train_FeatureCountNotAMultipleOfTheSampleShape_ThrowsNamingTheShape()
    {
        using var model = TorchModel.Create(ModelSpec.Mlp(4), Tabular, 2);

        var error = Assert.Throws<ArgumentException>(() => model.Train(new float[13], new long[2], [], 2));

        Assert.Contains("13 feature values do not make 2 samples of 6 features", error.Message, StringComparison.Ordinal);
        AssertStillTrains(model);
    }

    [Fact]
    public void Create_LeNetOnTabularSamples_ThrowsNativeShapeMessage()
    {
        var error = Assert.Throws<TorchException>(() => TorchModel.Create(ModelSpec.LeNet5, Tabular, 2));

        Assert.Contains("LeNet-5 needs image samples shaped [channels, height, width]", error.Message, StringComparison.Ordinal);
        Assert.Equal(NativeStatusCodes.Argument, error.Code);
    }

    [Fact]
    public void Create_LeNetOnTinyImages_ThrowsNativeSizeMessage()
    {
        var error = Assert.Throws<TorchException>(() => TorchModel.Create(ModelSpec.LeNet5, [1, 8, 8], 2));

        Assert.Contains("at least 12x12, got 8x8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void Train_LabelOutsideTheClasses_ThrowsNativeMessage(long badLabel)
    {
        var data = RandomData.Learnable(8, Tabular, 2, seed: 1);
        using var model = TorchModel.Create(ModelSpec.Mlp(4), data);
        var labels = data.Labels.ToArray();
        labels[5] = badLabel;

        var error = Assert.Throws<TorchException>(() => model.Train(data.Features, labels, [], 4));

        Assert.Contains($"labels must be class ids in [0, 2), found {badLabel}", error.Message, StringComparison.Ordinal);
        AssertStillTrains(model);
    }

    [Fact]
    public void Train_OrderIndexOutOfRange_ThrowsNativeMessage()
    {
        var data = RandomData.Learnable(8, Tabular, 2, seed: 1);
        using var model = TorchModel.Create(ModelSpec.Mlp(4), data);

        var error = Assert.Throws<TorchException>(() => model.Train(data, [0, 8], 4));

        Assert.Contains("sample index 8 is outside [0, 8)", error.Message, StringComparison.Ordinal);
        AssertStillTrains(model);
    }

    [Fact]
    public void Train_ZeroBatchSize_ThrowsNativeMessage()
    {
        var data = RandomData.Learnable(8, Tabular, 2, seed: 1);
        using var model = TorchModel.Create(ModelSpec.Mlp(4), data);

        var error = Assert.Throws<TorchException>(() => model.Train(data, [], 0));

        Assert.Contains("batch size must be at least 1, got 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetParameters_WrongLength_ThrowsAndKeepsTheOldParameters()
    {
        using var model = TorchModel.Create(ModelSpec.Mlp(4), Tabular, 2);
        var before = model.GetParameters();

        var error = Assert.Throws<TorchException>(() => model.SetParameters(new float[before.Length + 1]));

        Assert.Contains($"the model has {before.Length} parameters, the vector holds {before.Length + 1}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.GetParameters());
    }

    [Fact]
    public void Create_MissingTorchScriptFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "gossipfl-no-such-model-" + Guid.NewGuid().ToString("N") + ".pt");

        var error = Assert.Throws<TorchException>(() => TorchModel.Create(ModelSpec.TorchScript(path), Tabular, 2));

        Assert.Contains($"cannot open TorchScript file '{path}'", error.Message, StringComparison.Ordinal);
        Assert.Equal(NativeStatusCodes.Io, error.Code);
    }

    [Fact]
    public void Create_CorruptTorchScriptFile_ThrowsLibTorchMessage()
    {
        using var directory = new TempDirectory();
        var path = directory.File("garbage.pt");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8]);

        var error = Assert.Throws<TorchException>(() => TorchModel.Create(ModelSpec.TorchScript(path), Tabular, 2));

        Assert.Equal(NativeStatusCodes.Torch, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.NativeMessage));
        Assert.DoesNotContain("frame #", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("resnet", "unknown model 'resnet'")]
    [InlineData("mlp:0,10", "MLP hidden widths must be positive integers")]
    [InlineData("mlp:abc", "MLP hidden widths must be positive integers")]
    [InlineData("logreg:5", "model 'logreg' takes no arguments")]
    public void ModelSpecParse_UnknownOrMalformed_ThrowsNamingTheValidForms(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ModelSpec.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("logreg", ModelKind.LogReg)]
    [InlineData("mlp", ModelKind.Mlp)]
    [InlineData("mlp:64,32", ModelKind.Mlp)]
    [InlineData("lenet", ModelKind.LeNet5)]
    [InlineData("models/net.pt", ModelKind.TorchScript)]
    public void ModelSpecParse_ValidForms_GiveTheirKind(string text, ModelKind kind) =>
        Assert.Equal(kind, ModelSpec.Parse(text).Kind);

    private static void AssertStillTrains(TorchModel model)
    {
        var data = RandomData.Learnable(16, model.InputShape.ToArray(), model.ClassCount, seed: 2);
        var loss = model.Train(data, [], 8);
        Assert.True(double.IsFinite(loss) && loss > 0, $"training after an error gave loss {loss}");
    }
}
