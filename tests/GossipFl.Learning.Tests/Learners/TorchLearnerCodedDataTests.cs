using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Tests.Torch;
using GossipFl.Learning.Torch;

namespace GossipFl.Learning.Tests.Learners;

/// <summary>
/// A learner whose part is held as pixel codes decodes each round's rows instead of the whole part; it must train
/// exactly as the same learner on the part's floats, round after round and across epoch boundaries.
/// </summary>
[Collection(LibTorchTests.Name)]
public sealed class TorchLearnerCodedDataTests
{
    [Theory]
    [InlineData(3)]   // 48 samples a round: far less than half the part, decoded round by round
    [InlineData(20)]  // 320 samples a round: more than half, the part is expanded once
    public void CodedPart_TrainsBitForBitAsItsFloats_AndIsOnlyExpandedWhenARoundTakesMostOfIt(int steps)
    {
        const int samples = 200;
        var random = new Random(21);
        var codes = new byte[samples * 6];
        random.NextBytes(codes);
        var table = Enumerable.Range(0, 256).Select(c => (float)((c - 100) / 50.0)).ToArray();
        var labels = Enumerable.Range(0, samples).Select(i => (long)((codes[i * 6] + codes[(i * 6) + 1]) % 3)).ToArray();
        var whole = Dataset.FromCodes("coded", codes, table, labels, [6], 3);
        int[] part = [.. Enumerable.Range(0, 150).Select(i => (i * 7) % samples)];
        var coded = whole.Subset(part);
        var plain = new Dataset("plain", (float[])coded.Features.Clone(), labels: [.. coded.Labels], [6], 3);
        coded = whole.Subset(part);

        using var codedEngine = TorchModel.Create(ModelSpec.Mlp(8), coded, seed: 11);
        using var plainEngine = TorchModel.Create(ModelSpec.Mlp(8), plain, seed: 11);
        var codedLearner = new TorchLocalLearner(codedEngine, coded, test: null, batchSize: 16, new LocalWork(steps), seed: 3, node: 1);
        var plainLearner = new TorchLocalLearner(plainEngine, plain, test: null, batchSize: 16, new LocalWork(steps), seed: 3, node: 1);
        var codedModel = codedEngine.GetParameters();
        var plainModel = plainEngine.GetParameters();
        var initial = (float[])plainModel.Clone();
        for (var round = 0; round < 8; round++)
        {
            var codedLoss = codedLearner.Train(round, codedModel, codedModel);
            var plainLoss = plainLearner.Train(round, plainModel, plainModel);
            Assert.Equal(BitConverter.DoubleToInt64Bits(plainLoss), BitConverter.DoubleToInt64Bits(codedLoss));
        }

        Assert.Equal(plainModel.Select(BitConverter.SingleToInt32Bits), codedModel.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(initial, plainModel); // the rounds did train
        Assert.Equal(steps * 16 >= part.Length / 2, coded.IsExpanded);
    }
}
