using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Tests.Models;

public sealed class TaskSignatureTests
{
    private static readonly float[] Initial = [0.5f, -1.25f, 3f];

    [Fact]
    public void SameTaskModelAlgorithmAndWeights_GiveTheSameSignature()
    {
        var a = TaskSignature.Compute("task/1;input=3", ModelSpec.Mlp(8), "ops", Initial);
        var b = TaskSignature.Compute("task/1;input=3", ModelSpec.Parse("mlp:8"), "ops", Initial.ToArray());

        Assert.Equal(a, b);
        Assert.Equal(TaskSignature.Size, a.Bytes.Length);
    }

    [Fact]
    public void AnyDifference_GivesAnotherSignature_EvenOneBitOfOneInitialWeight()
    {
        var basis = TaskSignature.Compute("task/1;input=3", ModelSpec.Mlp(8), "ops", Initial);
        var nudged = Initial.ToArray();
        nudged[2] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(nudged[2]) + 1);

        TaskSignature[] others =
        [
            TaskSignature.Compute("task/1;input=4", ModelSpec.Mlp(8), "ops", Initial),
            TaskSignature.Compute("task/1;input=3", ModelSpec.Mlp(9), "ops", Initial),
            TaskSignature.Compute("task/1;input=3", ModelSpec.Mlp(8), "dsgd", Initial),
            TaskSignature.Compute("task/1;input=3", ModelSpec.Mlp(8), "ops", nudged),
            TaskSignature.Compute("task/1;input=3", ModelSpec.Mlp(8), "ops", Initial.AsSpan(0, 2)),
        ];

        Assert.All(others, other => Assert.NotEqual(basis, other));
        Assert.Equal(others.Length, others.Distinct().Count());
    }

    [Fact]
    public void Compression_IsPartOfTheSignature_AndNoneLeavesItUnchanged()
    {
        var plain = TaskSignature.Compute("t", ModelSpec.Mlp(8), "ops", Initial);
        var none = TaskSignature.Compute("t", ModelSpec.Mlp(8), "ops", Initial, CompressionSignature.Of(CodecSpec.None, AlgorithmKind.PushSum, 1));
        var int8 = TaskSignature.Compute("t", ModelSpec.Mlp(8), "ops", Initial, CompressionSignature.Of(CodecSpec.EightBit, AlgorithmKind.PushSum, 1));
        var int8Slower = TaskSignature.Compute("t", ModelSpec.Mlp(8), "ops", Initial, CompressionSignature.Of(CodecSpec.EightBit, AlgorithmKind.PushSum, 0.5));
        var topk = TaskSignature.Compute("t", ModelSpec.Mlp(8), "ops", Initial, CompressionSignature.Of(CodecSpec.Parse("topk:0.01"), AlgorithmKind.PushSum, 1));

        Assert.Equal(plain, none);
        Assert.DoesNotContain("compress", plain.Text, StringComparison.Ordinal);
        Assert.Contains("compress=int8;consensus_step=1", int8.Text, StringComparison.Ordinal);
        TaskSignature[] all = [plain, int8, int8Slower, topk];
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public void TorchScriptModels_AreNamedByArchitectureNotByPath()
    {
        var here = TaskSignature.Compute("t", ModelSpec.TorchScript("/home/alice/model.pt"), "ops", Initial);
        var there = TaskSignature.Compute("t", ModelSpec.TorchScript("/srv/gossipfl/model.pt"), "ops", Initial);

        Assert.Equal(here, there);
    }
}
