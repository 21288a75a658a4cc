using System.Net;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Discovery.Dns;
using GossipFl.Daemon.Discovery.Mdns;
using GossipFl.Daemon.Tests.Discovery.Fakes;

namespace GossipFl.Daemon.Tests.Discovery.Dns;

/// <summary>
/// Seeded fuzzing of the codec and of the engine behind it: random bytes and mutations of valid mDNS traffic.
/// Bounded by count (not time), deterministic by seed, so a failure reproduces exactly.
/// </summary>
[Collection(MemoryMeasurements.Name)]
public sealed class DnsCodecFuzzTests
{
    private const int DatagramCount = 100_000;

    [Fact]
    public void TryRead_100000RandomAndMutatedDatagrams_NeverThrows_AndGivesEveryRejectionAReason()
    {
        var random = new Random(20261122);
        var corpus = Corpus();
        var rejected = new long[Enum.GetValues<DnsRejection>().Max(r => (int)r) + 1];
        long accepted = 0;
        long roundTripped = 0;
        using var writer = new DnsMessageWriter();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        for (var i = 0; i < DatagramCount; i++)
        {
            var datagram = Generate(random, corpus);
            if (DnsMessage.TryRead(datagram, out var message, out var reason))
            {
                Assert.Equal(DnsRejection.None, reason);
                accepted++;

                // Whatever we accept we can write again, and read back the same.
                if (writer.TryWrite(message))
                {
                    Assert.True(DnsMessage.TryRead(writer.Written, out var again, out var againReason), againReason.ToString());
                    Assert.Equal(message.Questions, again.Questions);
                    Assert.Equal(message.AllRecords, again.AllRecords);
                    roundTripped++;
                }
            }
            else
            {
                Assert.NotEqual(DnsRejection.None, reason);
                rejected[(int)reason]++;
            }
        }

        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(DatagramCount, accepted + rejected.Sum());
        Assert.True(accepted > 1000, $"only {accepted} accepted: the mutations are too destructive to reach deep code");
        Assert.True(roundTripped > 1000);
        var reasonsSeen = rejected.Count(c => c > 0);
        Assert.True(reasonsSeen >= 14, $"only {reasonsSeen} distinct rejection reasons exercised");
        Assert.True(memoryAfter - memoryBefore < 16 << 20, $"retained {(memoryAfter - memoryBefore) >> 20} MB");
    }

    [Fact]
    public void Engine_20000MutatedDatagrams_NeverThrows_CountsEveryDatagram_AndKeepsCacheBounded()
    {
        var random = new Random(7);
        var corpus = Corpus();
        using var sim = new MdnsSimulation();
        var node = sim.Add("victim", seed: 1);
        sim.RunFor(TimeSpan.FromSeconds(3));
        var source = new IPEndPoint(IPAddress.Parse("10.9.0.200"), MdnsConstants.Port);
        var before = node.Engine.Statistics.Received;

        for (var i = 0; i < 20_000; i++)
        {
            node.Engine.Receive(0, Generate(random, corpus), source, sim.Now);
            if (i % 100 == 0)
            {
                sim.RunFor(TimeSpan.FromMilliseconds(50));
            }
        }

        var statistics = node.Engine.Statistics;
        Assert.InRange(statistics.Received - before, 20_000, 21_000);
        Assert.Equal(statistics.Received, statistics.Own + statistics.Accepted + statistics.RejectedTotal);
        Assert.True(node.Engine.Browser.Cache.Count <= 2048);
        Assert.NotEqual(ResponderState.Stopped, node.Engine.Responder!.State);
    }

    /// <summary>Valid messages of every shape the stack sends or hears.</summary>
    private static List<byte[]> Corpus()
    {
        var instance = DnsName.Parse("node-1._gossipfl._udp.local");
        var host = DnsName.Parse("node-1.local");
        var service = DnsName.Parse("_gossipfl._udp.local");
        DnsResourceRecord[] records =
        [
            new(service, DnsClass.Internet, false, 4500, new PtrData(instance)),
            new(instance, DnsClass.Internet, true, 120, new SrvData(0, 0, 7000, host)),
            new(instance, DnsClass.Internet, true, 4500, TxtProperties.Build([new("txtvers", "1"), new("v", "1"), new("node", "node-1"), new("fp", "ab"), new("port", "7000")])),
            new(host, DnsClass.Internet, true, 120, new AddressData(IPAddress.Parse("10.77.0.1"))),
            new(host, DnsClass.Internet, true, 120, new AddressData(IPAddress.Parse("fe80::1"))),
            new(instance, DnsClass.Internet, true, 120, new NsecData(instance, [DnsRecordType.Txt, DnsRecordType.Srv])),
        ];
        DnsMessage[] messages =
        [
            new() { Questions = [new DnsQuestion(service, DnsRecordType.DomainPointer)], Answers = [records[0]] },
            new() { Questions = [new DnsQuestion(instance, DnsRecordType.Any, DnsClass.Internet, true), new DnsQuestion(host, DnsRecordType.Any)], Authorities = [records[1], records[2], records[3]] },
            new() { Flags = DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer, Answers = [records[0]], Additionals = [.. records[1..]] },
            new() { Flags = DnsHeaderBits.Response, Answers = [.. records] },
            new() { Flags = DnsHeaderBits.Response, Answers = [.. records.Select(r => r.WithTtl(0))] },
            new() { Questions = [new DnsQuestion(instance, DnsRecordType.Srv), new DnsQuestion(host, DnsRecordType.A), new DnsQuestion(host, DnsRecordType.Aaaa)] },
        ];
        using var writer = new DnsMessageWriter();
        return [.. messages.Select(m =>
        {
            Assert.True(writer.TryWrite(m));
            return writer.Written.ToArray();
        })];
    }

    private static byte[] Generate(Random random, List<byte[]> corpus)
    {
        var seed = corpus[random.Next(corpus.Count)];
        switch (random.Next(8))
        {
            case 0:
                var noise = new byte[random.Next(0, 700)];
                random.NextBytes(noise);
                return noise;
            case 1:
                var flipped = (byte[])seed.Clone();
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                }

                return flipped;
            case 2:
                // Bytes that mean something to a DNS parser: pointers, reserved label types, long lengths, zero.
                ReadOnlySpan<byte> interesting = [0x00, 0x01, 0x3F, 0x40, 0x80, 0xC0, 0xC0, 0xFF, 0x0C, 0x10];
                var overwritten = (byte[])seed.Clone();
                overwritten[random.Next(overwritten.Length)] = interesting[random.Next(interesting.Length)];
                return overwritten;
            case 3:
                return seed[..random.Next(seed.Length)];
            case 4:
                // A compression pointer anywhere, to anywhere (often a loop or forward).
                var pointed = (byte[])seed.Clone();
                var at = random.Next(DnsHeader.Size, pointed.Length - 1);
                var target = random.Next(0, pointed.Length + 16);
                pointed[at] = (byte)(0xC0 | (target >> 8));
                pointed[at + 1] = (byte)target;
                return pointed;
            case 5:
                // Counts that do not match the data.
                var counted = (byte[])seed.Clone();
                var field = 4 + (2 * random.Next(4));
                counted[field] = (byte)random.Next(2);
                counted[field + 1] = (byte)random.Next(256);
                return counted;
            case 6:
                return [.. seed, .. corpus[random.Next(corpus.Count)].AsSpan(DnsHeader.Size)];
            default:
                // Valid as sent: keeps the engine's deeper paths (cache, conflicts) busy between mutations.
                var valid = (byte[])seed.Clone();
                return valid;
        }
    }
}
