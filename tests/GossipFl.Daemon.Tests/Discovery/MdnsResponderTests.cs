using System.Net;
using GossipFl.Daemon.Discovery.Dns;
using GossipFl.Daemon.Discovery.Mdns;
using GossipFl.Daemon.Tests.Discovery.Fakes;

namespace GossipFl.Daemon.Tests.Discovery;

/// <summary>The responder's RFC 6762 behaviour, over the in-memory link with virtual time.</summary>
public sealed class MdnsResponderTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Start_ProbesThreeTimes250msApartAfterRandomDelay_ThenAnnouncesTwiceOneSecondApart()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 1);
        sim.RunFor(TimeSpan.FromSeconds(5));

        var mine = sim.Lan.Sent.Where(s => s.From == node.Link).ToList();
        var probes = mine.Where(s => s.IsProbe).ToList();
        var announcements = mine.Where(s => s.Message.IsResponse).ToList();
        Assert.Equal(3, probes.Count);
        Assert.InRange(probes[0].At, TimeSpan.Zero, 250 * Ms);
        Assert.Equal(250 * Ms, probes[1].At - probes[0].At);
        Assert.Equal(250 * Ms, probes[2].At - probes[1].At);
        Assert.All(probes, p => Assert.All(p.Message.Questions, q => Assert.True(q.UnicastResponse)));
        Assert.Equal(2, announcements.Count);
        Assert.Equal(250 * Ms, announcements[0].At - probes[2].At);
        Assert.Equal(TimeSpan.FromSeconds(1), announcements[1].At - announcements[0].At);
        Assert.Equal(ResponderState.Announced, node.Engine.Responder!.State);
    }

    [Fact]
    public void Announcement_CarriesSrvTxtAddressAndPtr_WithCacheFlushOnUniqueRecordsOnly()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 2);
        sim.RunFor(TimeSpan.FromSeconds(2));

        var announcement = sim.Lan.Sent.First(s => s.From == node.Link && s.Message.IsResponse).Message;
        var srv = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Srv);
        var txt = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.Txt);
        var ptr = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.DomainPointer && r.Name.Equals(MdnsConstants.ServiceType));
        var a = Assert.Single(announcement.Answers, r => r.Type == DnsRecordType.A);
        Assert.Equal(7000, ((SrvData)srv.Data).Port);
        Assert.Equal("node-1._gossipfl._udp.local", srv.Name.ToString());
        Assert.Equal(IPAddress.Parse("10.9.0.1"), ((AddressData)a.Data).Address);
        Assert.True(srv.CacheFlush && txt.CacheFlush && a.CacheFlush);
        Assert.False(ptr.CacheFlush);
        Assert.Equal(120u, srv.Ttl);
        Assert.Equal(4500u, ptr.Ttl);
        var properties = GossipFl.Daemon.Discovery.TxtProperties.Parse((TxtData)txt.Data);
        Assert.Equal("1", properties["txtvers"]);
        Assert.Equal("1", properties["v"]);
        Assert.Equal("node-1", properties["node"]);
        Assert.Equal("fp-node-1", properties["fp"]);
        Assert.Equal("7000", properties["port"]);
    }

    [Fact]
    public void QueryForUniqueRecord_IsAnsweredImmediately_QueryForSharedPtr_WaitsTwentyTo120ms()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 3);
        sim.RunFor(TimeSpan.FromSeconds(5));
        var querier = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));

        var srvAsked = sim.Now;
        Send(querier, new DnsMessage { Questions = [new DnsQuestion(node.Engine.Responder!.InstanceName, DnsRecordType.Srv)] });
        sim.RunFor(TimeSpan.FromSeconds(2));
        var srvAnswer = sim.Lan.Sent.First(s => s.From == node.Link && s.At > srvAsked && s.Message.IsResponse);

        var ptrAsked = sim.Now;
        Send(querier, new DnsMessage { Questions = [new DnsQuestion(MdnsConstants.ServiceType, DnsRecordType.DomainPointer)] });
        sim.RunFor(TimeSpan.FromSeconds(1));
        var ptrAnswer = sim.Lan.Sent.First(s => s.From == node.Link && s.At > ptrAsked && s.Message.IsResponse);

        // The query takes 1 ms (fake latency) to arrive.
        Assert.Equal(srvAsked + Ms, srvAnswer.At);
        Assert.InRange(ptrAnswer.At - ptrAsked - Ms, 20 * Ms, 120 * Ms);
        Assert.Contains(ptrAnswer.Message.Additionals, r => r.Type == DnsRecordType.Srv);
        Assert.Contains(ptrAnswer.Message.Additionals, r => r.Type == DnsRecordType.A);
    }

    [Fact]
    public void QueryWithKnownAnswer_HavingMoreThanHalfTheTtl_IsSuppressed()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 4);
        sim.RunFor(TimeSpan.FromSeconds(5));
        var querier = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        var ptr = node.Engine.Responder!.RecordsFor(0).First(r => r.Name.Equals(MdnsConstants.ServiceType));
        var question = new DnsQuestion(MdnsConstants.ServiceType, DnsRecordType.DomainPointer);

        var asked = sim.Now;
        Send(querier, new DnsMessage { Questions = [question], Answers = [ptr.WithTtl(ptr.Ttl / 2)] });
        sim.RunFor(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(sim.Lan.Sent, s => s.From == node.Link && s.At > asked);

        // With less than half the TTL left, the querier needs a fresh copy.
        asked = sim.Now;
        Send(querier, new DnsMessage { Questions = [question], Answers = [ptr.WithTtl((ptr.Ttl / 2) - 1)] });
        sim.RunFor(TimeSpan.FromSeconds(2));
        Assert.Contains(sim.Lan.Sent, s => s.From == node.Link && s.At > asked && s.Message.IsResponse);
    }

    [Fact]
    public void SameUniqueQuestionTwiceWithinASecond_IsMulticastOnce()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 5);
        sim.RunFor(TimeSpan.FromSeconds(5));
        var querier = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        var question = new DnsQuestion(node.Engine.Responder!.InstanceName, DnsRecordType.Srv);

        var asked = sim.Now;
        Send(querier, new DnsMessage { Questions = [question] });
        sim.RunFor(TimeSpan.FromMilliseconds(300));
        Send(querier, new DnsMessage { Questions = [question] });
        sim.RunFor(TimeSpan.FromMilliseconds(300));

        Assert.Single(sim.Lan.Sent, s => s.From == node.Link && s.At > asked && s.Message.IsResponse);
    }

    [Fact]
    public void QueryForMissingType_OfOwnedName_IsAnsweredWithNsec()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 6);
        sim.RunFor(TimeSpan.FromSeconds(5));
        var querier = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));

        var asked = sim.Now;
        Send(querier, new DnsMessage { Questions = [new DnsQuestion(node.Engine.Responder!.HostName, DnsRecordType.Aaaa)] });
        sim.RunFor(TimeSpan.FromSeconds(1));

        var answer = sim.Lan.Sent.First(s => s.From == node.Link && s.At > asked).Message;
        var nsec = (NsecData)Assert.Single(answer.Answers).Data;
        Assert.Equal([DnsRecordType.A], nsec.Types);
    }

    [Fact]
    public void LegacyUnicastQuery_FromPortOtherThan5353_GetsUnicastAnswerWithSameIdAndShortTtl()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 7);
        sim.RunFor(TimeSpan.FromSeconds(5));
        var resolver = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        resolver.SourcePort = 40000;

        var asked = sim.Now;
        Send(resolver, new DnsMessage { Id = 0x1234, Questions = [new DnsQuestion(node.Engine.Responder!.InstanceName, DnsRecordType.Srv)] });
        sim.RunFor(TimeSpan.FromSeconds(1));

        var reply = sim.Lan.Sent.First(s => s.From == node.Link && s.At > asked);
        Assert.Equal(new IPEndPoint(resolver.Address, 40000), reply.Destination);
        Assert.Equal(0x1234, reply.Message.Id);
        Assert.Single(reply.Message.Questions);
        Assert.All(reply.Message.Answers, r => Assert.True(r.Ttl <= 10 && !r.CacheFlush));
    }

    [Fact]
    public void TwoNodesWithSameName_StartedTogether_EndWithDistinctNames_AndSeeEachOther()
    {
        using var sim = new MdnsSimulation();
        var a = sim.Add("twin", seed: 10);
        var b = sim.Add("twin", seed: 11);
        var found = sim.RunUntil(() => a.Peers.Count == 1 && b.Peers.Count == 1, TimeSpan.FromSeconds(15));

        Assert.NotNull(found);
        string[] names = [.. new[] { a.Engine.Responder!.InstanceLabel, b.Engine.Responder!.InstanceLabel }.Order()];
        Assert.Equal(["twin", "twin (2)"], names);
        Assert.True(a.Engine.Statistics.Conflicts + b.Engine.Statistics.Conflicts >= 1);
    }

    [Fact]
    public void NodeStartingLater_WithTakenName_RenamesWhileProbing()
    {
        using var sim = new MdnsSimulation();
        var first = sim.Add("node-1", seed: 12);
        sim.RunFor(TimeSpan.FromSeconds(3));
        var second = sim.Add("node-1", seed: 13);
        sim.RunFor(TimeSpan.FromSeconds(5));

        Assert.Equal("node-1", first.Engine.Responder!.InstanceLabel);
        Assert.Equal("node-1 (2)", second.Engine.Responder!.InstanceLabel);
        Assert.Equal("node-1-2", second.Engine.Responder.HostName.Labels[0]);
        Assert.True(first.Peers.TryGet("node-1 (2)", out _));

        // The defence against the probe went by multicast although the probe asked for unicast (QU).
        Assert.DoesNotContain(sim.Lan.Sent, s => s.From == first.Link && s.Destination is not null);
    }

    [Fact]
    public void ConflictingSrvAfterAnnouncing_SendsResponderBackToProbing()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 14);
        sim.RunFor(TimeSpan.FromSeconds(5));
        var intruder = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        var responder = node.Engine.Responder!;
        var forged = new DnsResourceRecord(responder.InstanceName, DnsClass.Internet, true, 120, new SrvData(0, 0, 9999, DnsName.Parse("other.local")));

        Send(intruder, new DnsMessage { Flags = DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer, Answers = [forged] });
        sim.RunFor(TimeSpan.FromMilliseconds(5));

        Assert.Equal(ResponderState.Probing, responder.State);
        Assert.Equal(1, node.Engine.Statistics.Conflicts);
    }

    [Fact]
    public void Stop_AfterAnnouncing_SendsGoodbyeWithTtlZero()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 15);
        sim.RunFor(TimeSpan.FromSeconds(5));

        sim.Stop(node);

        var goodbye = sim.Lan.Sent.Last(s => s.From == node.Link).Message;
        Assert.True(goodbye.IsResponse);
        Assert.Contains(goodbye.Answers, r => r.Type == DnsRecordType.DomainPointer);
        Assert.All(goodbye.Answers, r => Assert.Equal(0u, r.Ttl));
    }

    [Fact]
    public void OwnLoopedBackPackets_AreCountedAsOwn_AndNeverAnsweredOrListed()
    {
        using var sim = new MdnsSimulation();
        var node = sim.Add("node-1", seed: 16);
        sim.RunFor(TimeSpan.FromSeconds(5));

        Assert.True(node.Engine.Statistics.Own > 0);
        Assert.Equal(0, node.Engine.Statistics.Accepted);
        Assert.Equal(0, node.Peers.Count);
        Assert.Equal(ResponderState.Announced, node.Engine.Responder!.State);
    }

    private static void Send(FakeLink from, DnsMessage message)
    {
        using var writer = new DnsMessageWriter();
        Assert.True(writer.TryWrite(message));
        from.Send(writer.Written, null);
    }
}
