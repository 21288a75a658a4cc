using GossipFl.Learning.Models;
using GossipFl.Learning.Tests.Torch;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Models;

/// <summary>Saving a model's parameters and reading them back for a model: exact values, and every mismatch named.</summary>
[Collection(LibTorchTests.Name)]
public sealed class ModelFileTests
{
    [Fact]
    public void SaveThenRead_GivesTheSameBits_AndTheSameEvaluation()
    {
        using var directory = new TempDirectory();
        var data = RandomData.Learnable(200, [1, 12, 12], 3, seed: 5);
        using var trained = TorchModel.Create(ModelSpec.LeNet5, data, seed: 9);
        trained.Train(data, [], batchSize: 20);
        var parameters = trained.GetParameters();
        var path = directory.File("m.safetensors");

        ModelFile.Save(path, trained, parameters, new Dictionary<string, string> { ["gossipfl.round"] = "3" });
        using var fresh = TorchModel.Create(ModelSpec.LeNet5, data, seed: 1);
        var read = ModelFile.ReadParameters(path, fresh);
        fresh.SetParameters(read);

        Assert.Equal(parameters, read);
        Assert.Equal(trained.Evaluate(data), fresh.Evaluate(data));
    }

    [Fact]
    public void Read_OtherModel_NamesEveryMissingResizedAndUnexpectedTensor()
    {
        using var directory = new TempDirectory();
        var path = directory.File("m.safetensors");
        SafeTensorsFile.Write(path,
        [
            SafeTensor.FromFloats("fc0.weight", [8, 4], new float[32]),
            new SafeTensor("fc0.bias", "I32", [8], new byte[32]),
            SafeTensor.FromFloats("fc9.weight", [1], new float[1]),
        ], null);
        using var model = TorchModel.Create(ModelSpec.Mlp(16), [4], 2, seed: 1);

        var error = Assert.Throws<ModelFileException>(() => ModelFile.ReadParameters(path, model));

        Assert.Equal(
        [
            "tensor 'fc0.weight' is [8, 4], the model's is [16, 4]",
            "tensor 'fc0.bias' is [8], the model's is [16]",
            "tensor 'fc0.bias' is I32; parameters are floating point (F32, F16, BF16 or F64)",
            "tensor 'fc1.weight' [2, 16] is missing",
            "tensor 'fc1.bias' [2] is missing",
            "tensor 'fc9.weight' is not a parameter of this model (its parameters: fc0.weight, fc0.bias, fc1.weight, fc1.bias)",
        ], error.Problems);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FileWithoutMetadataAndNoFallback_SaysWhatIsMissing()
    {
        using var directory = new TempDirectory();
        var path = directory.File("m.safetensors");
        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("linear.weight", [2, 4], new float[8])], null);

        var error = Assert.Throws<ModelFileException>(() => ModelFile.Open(path, null));

        Assert.Contains("the metadata has no 'gossipfl.model'", error.Message, StringComparison.Ordinal);
    }
}
