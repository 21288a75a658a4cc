using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Protocol;

public sealed class FrameTests
{
    [Fact]
    public void FragmentFrame_RoundTrip_PreservesFieldsAndDerivedLengths()
    {
        var frame = new FragmentFrame(42, 10_000, 8, 1139);
        var bytes = new byte[FragmentFrame.HeaderSize + (int)frame.ExpectedDataLength];
        frame.WriteTo(bytes);

        Assert.True(FragmentFrame.TryRead(bytes, out var read));
        Assert.Equal((42UL, 10_000UL, 8U, 1139U), (read.MessageId, read.TotalLength, read.FragmentIndex, read.FragmentSize));
        Assert.Equal(9UL, read.FragmentCount);
        Assert.Equal(10_000UL - (8 * 1139), read.ExpectedDataLength);
    }

    [Fact]
    public void FragmentFrame_WrongDataLengthIndexOrSize_IsMalformed()
    {
        var bytes = new byte[FragmentFrame.HeaderSize + 1139];
        new FragmentFrame(1, 10_000, 0, 1139).WriteTo(bytes);
        Assert.True(FragmentFrame.TryRead(bytes, out _));
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(FragmentFrame.TryRead(t, out _)));
        Assert.False(FragmentFrame.TryRead([.. bytes, 0], out _));

        new FragmentFrame(1, 10_000, 9, 1139).WriteTo(bytes);
        Assert.False(FragmentFrame.TryRead(bytes, out _));
        new FragmentFrame(1, 10_000, 0, 0).WriteTo(bytes);
        Assert.False(FragmentFrame.TryRead(bytes, out _));
        foreach (var corrupted in WireTestData.Corruptions(bytes, 500, 1))
        {
            FragmentFrame.TryRead(corrupted, out _);
        }
    }

    [Fact]
    public void FragmentFrame_EmptyMessage_IsOneEmptyFragment()
    {
        var bytes = new byte[FragmentFrame.HeaderSize];
        new FragmentFrame(1, 0, 0, 1000).WriteTo(bytes);
        Assert.True(FragmentFrame.TryRead(bytes, out var read));
        Assert.Equal(1UL, read.FragmentCount);
    }

    [Fact]
    public void AckFrame_RoundTrip_PreservesRanges()
    {
        PacketRange[] ranges = [new(90, 100), new(50, 80), new(10, 10), new(0, 7)];
        var frame = new AckFrame(ranges, 250, 1 << 24);
        var bytes = new byte[frame.Length];
        frame.WriteTo(bytes);

        Assert.True(AckFrame.TryRead(bytes, out var read));
        Assert.Equal((100UL, 250U, 1U << 24, 4), (read.Largest, read.AckDelayMicros, read.ReceiveWindow, read.RangeCount));
        var decoded = new PacketRange[8];
        var count = read.CopyRangesTo(decoded);
        Assert.Equal(ranges, decoded[..count]);
    }

    [Fact]
    public void AckFrame_TruncatedOrUnderflowingRanges_IsMalformed()
    {
        PacketRange[] ranges = [new(90, 100), new(50, 80)];
        var frame = new AckFrame(ranges, 0, 0);
        var bytes = new byte[frame.Length];
        frame.WriteTo(bytes);
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(AckFrame.TryRead(t, out _)));

        // A gap that would take the next range below packet number zero.
        bytes[AckFrame.HeaderSize] = 0xFF;
        Assert.False(AckFrame.TryRead(bytes, out _));
        var decoded = new PacketRange[70000];
        foreach (var corrupted in WireTestData.Corruptions(bytes, 2000, 2))
        {
            if (AckFrame.TryRead(corrupted, out var read))
            {
                var count = read.CopyRangesTo(decoded);
                for (var i = 0; i < count; i++)
                {
                    Assert.True(decoded[i].Low <= decoded[i].High);
                }
            }
        }
    }

    [Fact]
    public void CancelFrame_RoundTripAndTruncation()
    {
        var bytes = new byte[CancelFrame.Size];
        new CancelFrame(77).WriteTo(bytes);
        Assert.True(CancelFrame.TryRead(bytes, out var read));
        Assert.Equal(77UL, read.MessageId);
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(CancelFrame.TryRead(t, out _)));
        bytes[0] = (byte)FrameType.Ack;
        Assert.False(CancelFrame.TryRead(bytes, out _));
    }

    [Fact]
    public void CookieReply_RoundTripAndWrongLength()
    {
        var cookie = WireTestData.Bytes(CookieReply.CookieSize, 3);
        var bytes = new byte[CookieReply.Size];
        new CookieReply(cookie).WriteTo(bytes);
        Assert.True(CookieReply.TryRead(bytes, out var read));
        var copy = new byte[CookieReply.CookieSize];
        read.CopyCookieTo(copy);
        Assert.Equal(cookie, copy);
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(CookieReply.TryRead(t, out _)));
        Assert.False(CookieReply.TryRead([.. bytes, 1], out _));
    }
}
