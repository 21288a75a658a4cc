using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

public sealed class SentPacketLogTests
{
    [Fact]
    public void CanRecord_WhenTheSlotIsBusy_GrowsAndKeepsEveryPacketInFlightFindable()
    {
        var log = new SentPacketLog();
        var initial = log.Length;

        // A flight three times the starting size, with every third packet acknowledged on the way.
        var flight = (ulong)(3 * initial);
        for (ulong n = 0; n < flight; n++)
        {
            Assert.True(log.CanRecord(n));
            log.Record(n, null, (uint)n, sentAt: (long)n * 10, bytes: 1000);
            if (n % 3 == 0)
            {
                log[n].InFlight = false;
            }
        }

        Assert.Equal(4 * initial, log.Length);
        for (ulong n = 0; n < flight; n++)
        {
            ref var packet = ref log[n];
            if (n % 3 == 0)
            {
                Assert.False(packet.InFlight && packet.PacketNumber == n);
            }
            else
            {
                Assert.True(packet.InFlight);
                Assert.Equal(n, packet.PacketNumber);
                Assert.Equal((uint)n, packet.Fragment);
                Assert.Equal((long)n * 10, packet.SentAt);
            }
        }
    }

    [Fact]
    public void CanRecord_ReusesFreedSlotsWithoutGrowing_AndStopsAtTheCapacity()
    {
        var log = new SentPacketLog();
        var initial = log.Length;
        for (ulong n = 0; n < (ulong)(10 * initial); n++)
        {
            Assert.True(log.CanRecord(n));
            log.Record(n, null, 0, 0, 1000);
            log[n].InFlight = false;
        }

        Assert.Equal(initial, log.Length);

        var full = new SentPacketLog();
        for (ulong n = 0; n < SentPacketLog.Capacity; n++)
        {
            Assert.True(full.CanRecord(n));
            full.Record(n, null, 0, 0, 1000);
        }

        Assert.Equal(SentPacketLog.Capacity, full.Length);
        Assert.False(full.CanRecord(SentPacketLog.Capacity)); // packet 0 is still in flight in that slot
        full[0].InFlight = false;
        Assert.True(full.CanRecord(SentPacketLog.Capacity));
    }
}
