using GossipFl.Learning.Models;

namespace GossipFl.Daemon.Tests.Cli;

public sealed class AverageCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gossipfl-average-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Average_OfModelsOfOneArchitecture_IsTheElementwiseMean()
    {
        var a = Write("a", [1f, 2f], [10f]);
        var b = Write("b", [3f, -2f], [20f]);
        var c = Write("c", [2f, 3f], [0f]);
        var output = Path.Combine(_root, "mean.safetensors");

        var (exit, _, error) = await CliRunner.RunAsync("average", "-o", output, a, b, c);

        Assert.True(exit == 0, error);
        var (tensors, metadata) = SafeTensorsFile.Read(output);
        Assert.Equal([2f, 1f], tensors[0].ToFloats());
        Assert.Equal([10f], tensors[1].ToFloats());
        Assert.Equal("mean of 3 models", metadata["gossipfl.node"]);
    }

    [Fact]
    public async Task Average_OfDifferentArchitectures_SaysWhichTensorDiffers()
    {
        var a = Write("a", [1f, 2f], [10f]);
        var b = Path.Combine(_root, "b.safetensors");
        SafeTensorsFile.Write(b, [SafeTensor.FromFloats("linear.weight", [1, 3], [1f, 2f, 3f]), SafeTensor.FromFloats("linear.bias", [1], [0f])], null);

        var (exit, _, error) = await CliRunner.RunAsync("average", "-o", Path.Combine(_root, "mean.safetensors"), a, b);

        Assert.Equal(1, exit);
        Assert.Contains($"error: {b}: tensor 'linear.weight' is [1, 3], not [1, 2]", error, StringComparison.Ordinal);
    }

    private string Write(string name, float[] weight, float[] bias)
    {
        var path = Path.Combine(_root, name + ".safetensors");
        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("linear.weight", [1, 2], weight), SafeTensor.FromFloats("linear.bias", [1], bias)],
            new Dictionary<string, string> { ["gossipfl.node"] = name });
        return path;
    }
}
