using GossipFl.Learning.Compression;

namespace GossipFl.Learning.Tests.Compression;

public sealed class CodecSpecTests
{
    [Theory]
    [InlineData("none", CodecKind.None, "none")]
    [InlineData("fp16", CodecKind.Float16, "fp16")]
    [InlineData(" FP16 ", CodecKind.Float16, "fp16")]
    [InlineData("int8", CodecKind.EightBit, "int8")]
    [InlineData("Sign", CodecKind.Sign, "sign")]
    [InlineData("topk:0.01", CodecKind.TopK, "topk:0.01")]
    [InlineData("topk:1", CodecKind.TopK, "topk:1")]
    [InlineData("TopK:1e-3", CodecKind.TopK, "topk:0.001")]
    public void Parse_KnownNames_GiveKindAndCanonicalText(string text, CodecKind kind, string canonical)
    {
        var spec = CodecSpec.Parse(text);

        Assert.Equal(kind, spec.Kind);
        Assert.Equal(canonical, spec.ToString());
        Assert.Equal(spec, CodecSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("int4", "unknown codec 'int4'")]
    [InlineData("", "unknown codec ''")]
    [InlineData("topk", "unknown codec 'topk'")]
    [InlineData("topk:0", "got '0'")]
    [InlineData("topk:1.5", "got '1.5'")]
    [InlineData("topk:-0.1", "got '-0.1'")]
    [InlineData("topk:abc", "got 'abc'")]
    [InlineData("topk:NaN", "got 'nan'")]
    public void Parse_BadValue_NamesIt(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => CodecSpec.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopK_K_IsCeilingOfFractionTimesLength()
    {
        Assert.Equal(1, new TopKCodec(10, 0.01).K);
        Assert.Equal(1018, new TopKCodec(101_770, 0.01).K);
        Assert.Equal(10, new TopKCodec(10, 1).K);
        Assert.Equal(8 * 1018, CodecSpec.Parse("topk:0.01").Create(101_770).EncodedSize);
    }

    [Fact]
    public void EncodedSize_MeetsTheByteTargets()
    {
        const int n = 101_770;
        Assert.Equal(4 * n, CodecSpec.None.Create(n).EncodedSize);
        Assert.Equal(2 * n, CodecSpec.Float16.Create(n).EncodedSize);
        Assert.True(4.0 * n / CodecSpec.EightBit.Create(n).EncodedSize >= 3.95);
        Assert.True(4.0 * n / CodecSpec.Parse("topk:0.01").Create(n).EncodedSize >= 49);
    }

    [Fact]
    public void DefaultConsensusStep_IsOneForDenseCodecsAndBelowOneForTopK()
    {
        Assert.Equal(1.0, CodecSpec.EightBit.DefaultConsensusStep);
        Assert.Equal(1.0, CodecSpec.Float16.DefaultConsensusStep);
        Assert.True(CodecSpec.Parse("topk:0.01").DefaultConsensusStep < 1.0);
    }
}
