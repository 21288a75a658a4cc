using System.Buffers.Binary;
using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Protocol;

/// <summary>The election and FedAvg wire messages: exact layout, round trips, and refusal of anything malformed.</summary>
public sealed class CoordinationMessageTests
{
    private static readonly float[] Model = [1.5f, -0.0f, float.Epsilon, -7.25f];

    [Theory]
    [InlineData(ElectionMessageKind.VoteRequest, 7, -1, false)]
    [InlineData(ElectionMessageKind.Vote, 7, 12, true)]
    [InlineData(ElectionMessageKind.Heartbeat, long.MaxValue, 0, false)]
    [InlineData(ElectionMessageKind.HeartbeatReply, 0, 3, false)]
    [InlineData(ElectionMessageKind.VoteRequest, 8, 2, false, true)]
    [InlineData(ElectionMessageKind.Vote, 8, 2, true, true)]
    public void ElectionMessage_RoundTrips(ElectionMessageKind kind, long term, long round, bool granted, bool preVote = false)
    {
        var bytes = new ElectionMessage(kind, term, round, granted, preVote).ToArray();

        Assert.Equal(ElectionMessage.Size, bytes.Length);
        Assert.True(ElectionMessage.TryRead(bytes, out var read, out var reason), reason);
        Assert.Equal(new ElectionMessage(kind, term, round, granted, preVote), read);
    }

    [Fact]
    public void ElectionMessage_PreVoteFlagOnAHeartbeat_IsRefused()
    {
        var bytes = new ElectionMessage(ElectionMessageKind.Heartbeat, 2, 1).ToArray();
        bytes[2] = 2;

        Assert.False(ElectionMessage.TryRead(bytes, out _, out var reason));
        Assert.Contains("unknown flags", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ElectionMessage_UsesTheDocumentedLayout()
    {
        var bytes = new ElectionMessage(ElectionMessageKind.Vote, 9, 4, Granted: true).ToArray();

        Assert.Equal([3, ElectionMessage.Version, 1, 0], bytes[..4]);
        Assert.Equal(9, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)));
        Assert.Equal(4, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(12)));
    }

    [Theory]
    [InlineData(0, 9, "kind 9")]
    [InlineData(1, 2, "version 2")]
    [InlineData(2, 0x80, "unknown flags")]
    [InlineData(3, 1, "reserved byte")]
    [InlineData(4, 0xFF, "out of range")]
    public void ElectionMessage_Corrupted_IsRefusedWithTheReason(int offset, byte value, string expected)
    {
        var bytes = new ElectionMessage(ElectionMessageKind.Heartbeat, 2, 1).ToArray();
        bytes[offset] = value;

        Assert.False(ElectionMessage.TryRead(bytes, out _, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    [InlineData(21)]
    public void ElectionMessage_WrongLength_IsRefused(int length)
    {
        Assert.False(ElectionMessage.TryRead(new byte[length], out _, out var reason));
        Assert.Contains("an election message is 20", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FedAvgMessageKind.Assignment, 0)]
    [InlineData(FedAvgMessageKind.Update, 5_014)]
    [InlineData(FedAvgMessageKind.GlobalModel, 0)]
    public void FedAvgMessage_RoundTripsBitForBit(FedAvgMessageKind kind, long samples)
    {
        var bytes = new FedAvgMessage(kind, 3, 17, samples, Model).ToArray();

        Assert.True(FedAvgMessage.TryRead(bytes, Model.Length, out var read, out var reason), reason);
        Assert.Equal((kind, 3L, 17L, samples), (read.Kind, read.Term, read.Round, read.Samples));
        Assert.Equal(Model.Select(BitConverter.SingleToInt32Bits), read.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void FedAvgMessage_UsesTheDocumentedLayout()
    {
        var bytes = new FedAvgMessage(FedAvgMessageKind.Update, 2, 5, 100, Model).ToArray();

        Assert.Equal([7, FedAvgMessage.Version, 0, 0], bytes[..4]);
        Assert.Equal(2, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(4)));
        Assert.Equal(5, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(12)));
        Assert.Equal(100, BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(20)));
        Assert.Equal((uint)Model.Length, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(28)));
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(FedAvgMessage.HeaderSize)));
        Assert.Equal(FedAvgMessage.HeaderSize + (4 * Model.Length), bytes.Length);
    }

    [Fact]
    public void FedAvgMessage_UpdateWithNoSamples_IsAClientDecliningTheRound()
    {
        var bytes = new FedAvgMessage(FedAvgMessageKind.Update, 1, 1, 0, Model).ToArray();

        Assert.True(FedAvgMessage.TryRead(bytes, Model.Length, out var message, out _));
        Assert.Equal(0, message.Samples);
    }

    [Theory]
    [InlineData(FedAvgMessageKind.Update, -3, "sample count -3")]
    [InlineData(FedAvgMessageKind.GlobalModel, 9, "GlobalModel with sample count 9")]
    public void FedAvgMessage_SampleCountsThatMakeNoSense_AreRefused(FedAvgMessageKind kind, long samples, string expected)
    {
        var bytes = new FedAvgMessage(kind, 1, 1, samples, Model).ToArray();

        Assert.False(FedAvgMessage.TryRead(bytes, Model.Length, out _, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FedAvgMessage_NonFiniteValue_ModelOfAnotherSize_AndTruncation_AreRefused()
    {
        var poisoned = new FedAvgMessage(FedAvgMessageKind.Update, 1, 1, 10, new[] { 1f, float.NaN }).ToArray();
        Assert.False(FedAvgMessage.TryRead(poisoned, 2, out _, out var reason));
        Assert.Contains("value 1 is NaN", reason, StringComparison.Ordinal);

        var bytes = new FedAvgMessage(FedAvgMessageKind.GlobalModel, 1, 1, 0, Model).ToArray();
        Assert.False(FedAvgMessage.TryRead(bytes, Model.Length + 1, out _, out reason));
        Assert.Contains("this model has 5 values", reason, StringComparison.Ordinal);
        Assert.False(FedAvgMessage.TryRead(bytes.AsSpan(0, bytes.Length - 1), Model.Length, out _, out reason));
        Assert.False(FedAvgMessage.TryRead(bytes.AsSpan(0, 10), Model.Length, out _, out reason));
        Assert.Contains("truncated", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FedAvgMessage_NegativeTermOrRound_IsRefused()
    {
        var bytes = new FedAvgMessage(FedAvgMessageKind.GlobalModel, 1, 1, 0, Model).ToArray();
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(12), -4);

        Assert.False(FedAvgMessage.TryRead(bytes, Model.Length, out _, out var reason));
        Assert.Contains("is negative", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKindsDoNotOverlap()
    {
        Assert.All(Enumerable.Range(0, 256), k =>
        {
            var kinds = new[] { k == ModelShare.Kind, ElectionMessage.IsElectionKind((byte)k), FedAvgMessage.IsFedAvgKind((byte)k) };
            Assert.True(kinds.Count(x => x) <= 1, $"kind {k} belongs to two message types");
        });
    }
}
