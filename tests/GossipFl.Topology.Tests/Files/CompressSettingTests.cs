using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Files;

public sealed class CompressSettingTests
{
    [Theory]
    [InlineData("dol", "int8")]
    [InlineData("centralized", "topk:0.1")]
    public void Parse_TrainingCompressWithAnAlgorithmThatHasNoCompressedForm_IsRefusedAtTheCodecsLine(string algorithm, string codec)
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Parse(
            $"version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: {algorithm}\n  compress: {codec}\n", "t.yaml"));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal($"'compress: {codec}' does not go with 'algorithm: {algorithm}': compressed gossip runs with ops (compressed push-sum) or dsgd (CHOCO-SGD), and fedavg compresses its clients' updates; {algorithm} has no compressed form", problem.Message);
        Assert.Equal((6, 13), (problem.Line, problem.Column));
    }

    [Theory]
    [InlineData("dol", "none")]
    [InlineData("ops", "int8")]
    [InlineData("dsgd", "fp16")]
    [InlineData("fedavg", "topk:0.1")]
    public void Parse_TrainingCompressThatCanRun_IsRead(string algorithm, string codec) =>
        Assert.Equal(codec, TopologyFileReader.Parse($"version: 1\nnodes:\n  - name: a\ntraining:\n  algorithm: {algorithm}\n  compress: {codec}\n").Training?.Compress);
}
