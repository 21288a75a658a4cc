using GossipFl.Topology.Files;

namespace GossipFl.Topology.Tests.Files;

public sealed class SampleDpSettingTests
{
    [Fact]
    public void Parse_TrainingDpSampleKeys_AreReadAsNumbers_AndAbsentAsNull()
    {
        var document = TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  dp_sample_clip: 1.5\n  dp_sample_noise: 0.9\n  dp_delta: 1e-5\n");
        Assert.Equal(1.5, document.Training?.DpSampleClip);
        Assert.Equal(0.9, document.Training?.DpSampleNoise);
        Assert.Equal(1e-5, document.Training?.DpDelta);

        var plain = TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  dp_clip: 1\n");
        Assert.Null(plain.Training?.DpSampleClip);
        Assert.Null(plain.Training?.DpSampleNoise);
    }

    [Fact]
    public void Parse_TrainingDpSampleNoise_NotANumber_IsRefusedNamingTheKey()
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyFileReader.Parse("version: 1\nnodes:\n  - name: a\ntraining:\n  dp_sample_noise: lots\n"));
        Assert.Contains("dp_sample_noise", ex.Problems[0].Message, StringComparison.Ordinal);
    }
}
