using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Protocol;

public sealed class PacketHeaderTests
{
    [Fact]
    public void WriteTo_ThenTryRead_RoundTripsEveryField()
    {
        var header = new PacketHeader(1, PacketType.Data, 0x0102030405060708, ulong.MaxValue - 1);
        var bytes = new byte[PacketHeader.Size];
        header.WriteTo(bytes);

        Assert.True(PacketHeader.TryRead(bytes, out var read));
        Assert.Equal((1, PacketType.Data, 0x0102030405060708UL, ulong.MaxValue - 1), (read.Version, read.Type, read.ConnectionId, read.PacketNumber));
    }

    [Fact]
    public void WriteTo_UsesBigEndianAndTheMagic()
    {
        var bytes = new byte[PacketHeader.Size];
        new PacketHeader(1, PacketType.Initiation, 1, 2).WriteTo(bytes);
        Assert.Equal(new byte[] { 0x47, 0x46, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 }, bytes);
    }

    [Fact]
    public void TryRead_TruncatedOrWrongMagic_Fails()
    {
        var bytes = new byte[PacketHeader.Size];
        new PacketHeader(1, PacketType.Data, 3, 4).WriteTo(bytes);
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(PacketHeader.TryRead(t, out _)));
        bytes[0] ^= 0xFF;
        Assert.False(PacketHeader.TryRead(bytes, out _));
    }
}
