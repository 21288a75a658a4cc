using System.Net;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Discovery.Dns;
using GossipFl.Daemon.Discovery.Mdns;
using GossipFl.Daemon.Tests.Discovery.Fakes;

namespace GossipFl.Daemon.Tests.Discovery;

/// <summary>The browser and peer table over the in-memory link with virtual time.</summary>
public sealed class MdnsBrowserTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Browser_QueriesAfter20To120ms_ThenBacksOffDoubling()
    {
        using var sim = new MdnsSimulation();
        var browser = sim.Add(null, seed: 20);
        sim.RunFor(TimeSpan.FromSeconds(40));

        var queries = sim.Lan.Sent.Where(s => s.From == browser.Link).Select(s => s.At).ToList();
        Assert.InRange(queries[0], 20 * Ms, 120 * Ms);
        var gaps = queries.Zip(queries.Skip(1), (a, b) => (b - a).TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 16], gaps);
        Assert.All(sim.Lan.Sent, s => Assert.Equal(DnsRecordType.DomainPointer, Assert.Single(s.Message.Questions).Type));
    }

    [Fact]
    public void Browser_HearingTheSameQuestionFromAnotherHost_CountsItAsItsOwnQuery()
    {
        using var sim = new MdnsSimulation();
        var browser = sim.Add(null, seed: 20);
        var other = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        sim.RunFor(TimeSpan.FromSeconds(0.5));
        var first = sim.Lan.Sent.Single(s => s.From == browser.Link).At;

        // Our next query is due at first + 1 s; another host asks the same QM question 200 ms before that.
        sim.RunFor(first + TimeSpan.FromSeconds(0.8) - sim.Now);
        Send(other, new DnsMessage { Questions = [new DnsQuestion(MdnsConstants.ServiceType, DnsRecordType.DomainPointer)] });
        sim.RunFor(TimeSpan.FromSeconds(1.5));

        // RFC 6762 §7.3: no second query of our own; the schedule moved on as if we had asked.
        Assert.Single(sim.Lan.Sent, s => s.From == browser.Link);
        sim.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(2, sim.Lan.Sent.Count(s => s.From == browser.Link));
    }

    [Fact]
    public void EightNodes_FindEachOther_WithAllAdvertisedFields()
    {
        using var sim = new MdnsSimulation();
        for (var i = 1; i <= 8; i++)
        {
            sim.Add($"node-{i}", seed: 100 + i);
        }

        var took = sim.RunUntil(() => sim.Nodes.All(n => n.Peers.Count == 7), TimeSpan.FromSeconds(10));

        Assert.NotNull(took);
        Assert.True(took < TimeSpan.FromSeconds(3), $"took {took}");
        Assert.True(sim.Nodes[0].Peers.TryGet("node-5", out var peer));
        Assert.Equal("node-5", peer.NodeName);
        Assert.Equal([IPAddress.Parse("10.9.0.5")], peer.Addresses);
        Assert.Equal(7000, peer.Port);
        Assert.Equal(1, peer.ProtocolVersion);
        Assert.Equal("fp-node-5", peer.KeyFingerprint);
        Assert.Equal(PeerSource.Mdns, peer.Source);
    }

    [Fact]
    public void Goodbye_RemovesPeerAtOnce_WithPeerDownEvent()
    {
        using var sim = new MdnsSimulation();
        var watcher = sim.Add("watcher", seed: 21);
        var leaver = sim.Add("leaver", seed: 22);
        Assert.NotNull(sim.RunUntil(() => watcher.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        var downs = new List<string>();
        watcher.Peers.PeerDown += (_, e) => downs.Add(e.Peer.InstanceName);

        sim.Stop(leaver);
        var took = sim.RunUntil(() => watcher.Peers.Count == 0, TimeSpan.FromSeconds(5));

        Assert.NotNull(took);
        Assert.True(took < TimeSpan.FromMilliseconds(100), $"took {took}");
        Assert.Equal(["leaver"], downs);
    }

    [Fact]
    public void CrashedPeer_DisappearsWhenItsRecordsExpire_AfterRefreshQueriesGoUnanswered()
    {
        using var sim = new MdnsSimulation();
        var ttl = TimeSpan.FromSeconds(10);
        var watcher = sim.Add("watcher", seed: 23, ttl, ttl);
        var victim = sim.Add("victim", seed: 24, ttl, ttl);
        Assert.NotNull(sim.RunUntil(() => watcher.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        sim.RunFor(TimeSpan.FromSeconds(30));
        Assert.Equal(1, watcher.Peers.Count);

        var crashedAt = sim.Now;
        sim.Crash(victim);
        var took = sim.RunUntil(() => watcher.Peers.Count == 0, TimeSpan.FromSeconds(30));

        Assert.NotNull(took);
        Assert.True(took <= ttl, $"took {took}");

        // RFC 6762 §5.2: the watcher asked for the SRV record at 80, 85, 90 and 95% of its lifetime before giving up.
        var srvRefreshes = sim.Lan.Sent.Where(s => s.From == watcher.Link && s.At > crashedAt &&
            s.Message.Questions.Any(q => q.Type == DnsRecordType.Srv && q.Name.Labels[0] == "victim")).ToList();
        Assert.InRange(srvRefreshes.Count, 4, 8);
    }

    [Fact]
    public void EightNodes_KeepEachOtherForAMinute_ThoughResponderRateLimitsLeaveSomeQuestionsUnanswered()
    {
        using var sim = new MdnsSimulation();
        for (var i = 1; i <= 8; i++)
        {
            sim.Add($"node-{i}", seed: 200 + i);
        }

        Assert.NotNull(sim.RunUntil(() => sim.Nodes.All(n => n.Peers.Count == 7), TimeSpan.FromSeconds(10)));

        // Eight browsers ask within the same second; a responder multicasts a record at most once a second
        // (RFC 6762 §6), so later questions in that second get no answer of their own. That is not a failure.
        var lost = sim.RunUntil(() => sim.Nodes.Any(n => n.Peers.Count < 7), TimeSpan.FromSeconds(60));

        Assert.Null(lost);
    }

    [Fact]
    public void CrashedPeer_WhoseRecordsOthersAskForInVain_IsFlushedTenSecondsLater_NotAtTtlExpiry()
    {
        using var sim = new MdnsSimulation();
        var watcher = sim.Add("watcher", seed: 30);
        var victim = sim.Add("victim", seed: 31);
        Assert.NotNull(sim.RunUntil(() => watcher.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        var asker = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        var srvQuestion = new DnsQuestion(victim.Engine.Responder!.InstanceName, DnsRecordType.Srv);

        // A question within a second of the record's last multicast may rightly go unanswered (§6): let the
        // announcements (§8.3, two, a second apart) finish and the record age.
        sim.RunFor(TimeSpan.FromSeconds(3));
        sim.Crash(victim);

        // RFC 6762 §10.5: two multicast questions the victim's SRV should have answered, and silence.
        var askedAt = sim.Now;
        Send(asker, new DnsMessage { Questions = [srvQuestion] });
        sim.RunFor(TimeSpan.FromSeconds(1));
        Send(asker, new DnsMessage { Questions = [srvQuestion] });
        var took = sim.RunUntil(() => watcher.Peers.Count == 0, TimeSpan.FromSeconds(30));

        // The SRV lives 120 s; the peer goes 10 s after the first unanswered question instead.
        Assert.NotNull(took);
        Assert.InRange(sim.Now - askedAt, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10.1));
    }

    [Fact]
    public void AProbe_IsNotAQuestionThatShouldHaveBeenAnswered()
    {
        using var sim = new MdnsSimulation();
        var watcher = sim.Add("watcher", seed: 34);
        var peer = sim.Add("peer", seed: 35);
        Assert.NotNull(sim.RunUntil(() => watcher.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        sim.RunFor(TimeSpan.FromSeconds(3));
        var asker = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        var instance = peer.Engine.Responder!.InstanceName;
        sim.Crash(peer);

        // Another host probing (§8.1) asks about the name with its proposal in the authority section; no answer
        // is the outcome it hopes for, so the watcher must not take silence as the peer's failure.
        for (var i = 0; i < 3; i++)
        {
            Send(asker, new DnsMessage
            {
                Questions = [new DnsQuestion(instance, DnsRecordType.Any)],
                Authorities = [new DnsResourceRecord(instance, DnsClass.Internet, false, 120, new SrvData(0, 0, 9, DnsName.Parse("other.local")))],
            });
            sim.RunFor(TimeSpan.FromSeconds(0.25));
        }

        sim.RunFor(TimeSpan.FromSeconds(15));
        Assert.Equal(1, watcher.Peers.Count);
    }

    [Fact]
    public void QuestionsThatGetAnswered_DoNotFlushTheRecord()
    {
        using var sim = new MdnsSimulation();
        var watcher = sim.Add("watcher", seed: 32);
        var peer = sim.Add("peer", seed: 33);
        Assert.NotNull(sim.RunUntil(() => watcher.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        var asker = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));
        var srvQuestion = new DnsQuestion(peer.Engine.Responder!.InstanceName, DnsRecordType.Srv);

        for (var i = 0; i < 10; i++)
        {
            Send(asker, new DnsMessage { Questions = [srvQuestion] });
            sim.RunFor(TimeSpan.FromSeconds(3));
        }

        Assert.Equal(1, watcher.Peers.Count);
    }

    [Fact]
    public void LivePeer_WithShortTtl_StaysInTableThroughManyTtls()
    {
        using var sim = new MdnsSimulation();
        var ttl = TimeSpan.FromSeconds(3);
        var a = sim.Add("a", seed: 25, ttl, ttl);
        sim.Add("b", seed: 26, ttl, ttl);
        Assert.NotNull(sim.RunUntil(() => a.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        var downs = 0;
        a.Peers.PeerDown += (_, _) => downs++;

        sim.RunFor(TimeSpan.FromSeconds(60));

        Assert.Equal(0, downs);
        Assert.Equal(1, a.Peers.Count);
    }

    [Fact]
    public void NewTxtForAPeer_RaisesPeerChanged_AndTheOwnerDefendsItsOwnRecord()
    {
        using var sim = new MdnsSimulation();
        var watcher = sim.Add("watcher", seed: 27);
        var peer = sim.Add("peer", seed: 28);
        Assert.NotNull(sim.RunUntil(() => watcher.Peers.Count == 1, TimeSpan.FromSeconds(5)));
        sim.RunFor(TimeSpan.FromSeconds(2));
        var changes = new List<PeerEventArgs>();
        watcher.Peers.PeerChanged += (_, e) => changes.Add(e);
        var intruder = sim.Lan.Connect(IPAddress.Parse("10.9.0.99"));

        // Another host claims the peer's TXT with new contents and cache-flush (RFC 6762 §10.2).
        var txt = peer.Engine.Responder!.RecordsFor(0).Single(r => r.Type == DnsRecordType.Txt);
        var updated = txt with { Data = TxtProperties.Build([new("txtvers", "1"), new("v", "2"), new("node", "peer"), new("fp", "new")]) };
        Send(intruder, new DnsMessage { Flags = DnsHeaderBits.Response, Answers = [updated] });
        sim.RunFor(TimeSpan.FromSeconds(5));

        // The watcher follows the new record at once; the owner sees a conflicting record of its unique name,
        // probes again (§9) and re-announces, so the watcher ends with the owner's data.
        Assert.Equal(2, changes.Count);
        Assert.Equal("new", changes[0].Peer.KeyFingerprint);
        Assert.Equal(2, changes[0].Peer.ProtocolVersion);
        Assert.Equal("fp-peer", changes[0].Previous!.KeyFingerprint);
        Assert.Equal("fp-peer", changes[1].Peer.KeyFingerprint);
        Assert.Equal(1, peer.Engine.Statistics.Conflicts);
        Assert.Equal("peer", peer.Engine.Responder.InstanceLabel);
    }

    [Fact]
    public void StaticPeers_AndMdnsPeers_ShareTheTable_AndDoNotReplaceEachOther()
    {
        var table = new PeerTable();
        var ups = new List<string>();
        table.PeerUp += (_, e) => ups.Add(e.Peer.InstanceName);
        var fixedPeer = StaticPeerAddress.Parse("10.1.2.3:7000").Resolve();
        var v6 = StaticPeerAddress.Parse("[fe80::1]:7001").Resolve();
        table.Reconcile(PeerSource.Static, [fixedPeer, v6]);
        var found = new PeerInfo("n1", "n1", [IPAddress.Loopback], 7002, 1, "fp", PeerSource.Mdns, DateTimeOffset.UnixEpoch);
        table.Reconcile(PeerSource.Mdns, [found]);

        table.Reconcile(PeerSource.Mdns, []);

        Assert.Equal(["10.1.2.3:7000", "[fe80::1]:7001", "n1"], ups);
        Assert.Equal(2, table.Count);
        Assert.Equal([IPAddress.Parse("10.1.2.3")], table.Snapshot()[0].Addresses);
        Assert.Equal(7001, table.Snapshot()[1].Port);
    }

    [Theory]
    [InlineData("nohost")]
    [InlineData(":7000")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("fe80::1:7000")]
    public void StaticPeerAddress_Malformed_IsRejectedWithReason(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => StaticPeerAddress.Parse(text));
        Assert.Contains(text, ex.Message, StringComparison.Ordinal);
    }

    private static void Send(FakeLink from, DnsMessage message)
    {
        using var writer = new DnsMessageWriter();
        Assert.True(writer.TryWrite(message));
        from.Send(writer.Written, null);
    }
}
