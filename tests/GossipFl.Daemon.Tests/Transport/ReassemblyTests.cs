using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

public sealed class ReassemblyTests
{
    [Fact]
    public void PagePrefault_OnLinux_MapsPagesWithoutChangingTheBytes()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(3 * 1024 * 1024 + 123);
        new Random(5).NextBytes(buffer);
        var copy = (byte[])buffer.Clone();

        var mapped = PagePrefault.TryPopulate(buffer.AsSpan(17, buffer.Length - 40));

        // Debian 12 and CI run Linux 6.x (the advice exists since 5.14).
        Assert.Equal(OperatingSystem.IsLinux(), mapped);
        Assert.Equal(copy, buffer);
        Assert.True(PagePrefault.TryPopulate([]));
    }

    [Fact]
    public void IncomingMessage_LargeMessageInAnyOrder_ReassemblesExactly()
    {
        // Larger than the pooled limit, so the buffer is fresh memory mapped ahead in runs; fragments arrive in
        // order, then backwards, then scattered, including some far ahead of the mapped run.
        const int fragmentSize = 1411;
        var payload = new byte[(11 * 1024 * 1024) + 5];
        new Random(9).NextBytes(payload);
        var count = (uint)((payload.Length + fragmentSize - 1) / fragmentSize);
        var order = Enumerable.Range(0, (int)count).Select(i => (uint)i).ToArray();
        var third = order.Length / 3;
        Array.Reverse(order, third, third);
        new Random(2).Shuffle(order.AsSpan(2 * third));

        var message = new IncomingMessage(1, payload.Length, fragmentSize, count, now: 0);
        Assert.False(message.Pooled);
        foreach (var index in order)
        {
            var offset = (int)index * fragmentSize;
            Assert.True(message.Accept(index, payload.AsSpan(offset, Math.Min(fragmentSize, payload.Length - offset))));
        }

        Assert.False(message.Accept(0, payload.AsSpan(0, fragmentSize)));
        Assert.True(message.IsComplete);
        Assert.Equal(payload, message.TakeBuffer().AsSpan(0, payload.Length).ToArray());
    }
}
