using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Simulation;

namespace GossipFl.Learning.Tests.Algorithms;

public sealed class FedAvgCompressionTests
{
    [Fact]
    public void TryReconstruct_GivesGlobalPlusTheDecodedUpdate_AndRefusesHostileBytes()
    {
        const int n = 700;
        var codec = CodecSpec.Parse("topk:0.1").Create(n);
        var global = TestGraphs.RandomVectors(1, n, 1)[0];
        var local = global.Select((g, i) => i % 10 == 0 ? g + 1f : g).ToArray();
        var compressor = new FedAvgUpdateCompressor(3, codec, 5);
        var payload = compressor.Encode(0, local, global);
        var model = new float[n];

        Assert.True(FedAvgUpdateCompressor.TryReconstruct(codec, payload.Span, global, model, out var reason), reason);
        // The changed tenth are exactly the k = 70 largest changes: top-10% sends all of them.
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(global[i] + (local[i] - global[i]), model[i]);
        }

        var untouched = new float[n];
        Assert.False(FedAvgUpdateCompressor.TryReconstruct(codec, new byte[payload.Length], global, untouched, out reason));
        Assert.Contains("does not increase", reason, StringComparison.Ordinal);
        Assert.All(untouched, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Compressor_CarriesWhatTopKLeftOut_ToTheNextRound()
    {
        const int n = 100;
        var codec = new TopKCodec(n, 0.05);
        var compressor = new FedAvgUpdateCompressor(0, codec, 1);
        var global = new float[n];
        var local = Enumerable.Range(0, n).Select(i => 1f + (i * 0.01f)).ToArray();
        var received = new double[n];
        var model = new float[n];
        const int rounds = 400;
        var ever = new bool[n];
        for (var round = 0; round < rounds; round++)
        {
            var payload = compressor.Encode(round, local, global);
            Assert.True(FedAvgUpdateCompressor.TryReconstruct(codec, payload.Span, global, model, out _));
            for (var i = 0; i < n; i++)
            {
                received[i] += model[i];
                ever[i] |= model[i] != 0;
            }
        }

        // Without feedback the same 5 coordinates would be sent every round and 95% of the update never; with it every
        // coordinate gets through and what arrived is the input less a bounded remainder.
        Assert.All(ever, Assert.True);
        var input = local.Sum() * (double)rounds;
        Assert.True(Math.Abs(input - received.Sum()) < 0.1 * input, $"received {received.Sum():F1} of {input:F1}");
    }

    [Fact]
    public void Simulator_CompressedFedAvg_IsDeterministic_AndSendsFewerBytes()
    {
        var graph = TestGraphs.Ring(6);
        var initial = TestGraphs.RandomVectors(1, 2000, 1);
        SimulationResult Run(string codec, ListSink sink)
        {
            var learners = Enumerable.Range(0, 6).Select(_ => new FixedLearner(2000)).ToArray();
            var options = new SimulationOptions(AlgorithmKind.FedAvg, 4, 2, NetworkConditions.Perfect, 0, ClientFraction: 0.5, Compression: CodecSpec.Parse(codec));
            return new Simulator(_ => graph, learners, initial, options, sink).Run();
        }

        var plainSink = new ListSink();
        var int8Sink = new ListSink();
        var againSink = new ListSink();
        var plain = Run("none", plainSink);
        var one = Run("int8", int8Sink);
        var two = Run("int8", againSink);

        Assert.All(one.Models.Zip(two.Models), p => Assert.True(p.First.AsSpan().SequenceEqual(p.Second)));
        Assert.True(int8Sink.Rounds[^1].Bytes < plainSink.Rounds[^1].Bytes);
        // Per neighbour is what a client sends the coordinator: the update, 3 of 6 clients sampled.
        Assert.Equal(GossipMessage.HeaderBytes + (4.0 * 2000), plainSink.Rounds[^1].BytesPerNeighbour);
        Assert.Equal(CompressedGossipMessage.HeaderBytes + new Int8Codec(2000).EncodedSize, int8Sink.Rounds[^1].BytesPerNeighbour);
        // A learner that does not move leaves a zero update, which every codec sends exactly: the same models as uncompressed.
        Assert.All(one.Models.Zip(plain.Models), p => Assert.True(p.First.AsSpan().SequenceEqual(p.Second)));
    }
}
