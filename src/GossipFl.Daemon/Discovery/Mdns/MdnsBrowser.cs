using System.Globalization;
using System.Net;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// Continuous DNS-SD browsing for `_gossipfl._udp.local` (RFC 6762 §5.2, RFC 6763 §4-§5): queries with
/// exponential back-off and known answers, caches every answer with TTL expiry, refreshes the records it
/// depends on at 80/85/90/95% of their TTL, resolves each instance to SRV, TXT and addresses, and keeps
/// the mDNS part of the <see cref="PeerTable"/> equal to what is live in the cache.
/// </summary>
internal sealed class MdnsBrowser
{
    /// <summary>RFC 6762 §5.2: the interval between continuous queries doubles up to one hour.</summary>
    private static readonly TimeSpan MaxQueryInterval = TimeSpan.FromHours(1);

    private static readonly TimeSpan FirstResolveInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxResolveInterval = TimeSpan.FromMinutes(1);

    private readonly IReadOnlyList<IMdnsLink> _links;
    private readonly Action<int, DnsMessage, IPEndPoint?> _send;
    private readonly Random _random;
    private readonly PeerTable _peers;
    private readonly Func<string?> _ownInstance;
    private readonly Func<DnsResourceRecord?> _ownPointer;
    private readonly Func<TimeSpan, DateTimeOffset> _toWallClock;
    private readonly Dictionary<(DnsName Name, DnsRecordType Type), (TimeSpan Next, TimeSpan Interval)> _resolving = [];
    private TimeSpan _nextQuery = TimeSpan.MaxValue;
    private TimeSpan _queryInterval = TimeSpan.FromSeconds(1);
    private TimeSpan _nextDue = TimeSpan.MaxValue;

    public MdnsBrowser(
        IReadOnlyList<IMdnsLink> links,
        Action<int, DnsMessage, IPEndPoint?> send,
        Random random,
        PeerTable peers,
        Func<string?> ownInstance,
        Func<TimeSpan, DateTimeOffset> toWallClock,
        Func<DnsResourceRecord?>? ownPointer = null)
    {
        _ownPointer = ownPointer ?? (() => null);
        _links = links;
        _send = send;
        _random = random;
        _peers = peers;
        _ownInstance = ownInstance;
        _toWallClock = toWallClock;
    }

    public MdnsCache Cache { get; } = new();

    public TimeSpan NextDue => _nextDue;

    public void Start(TimeSpan now)
    {
        // RFC 6762 §5.2: the first query waits 20-120 ms so hosts started together do not query in lock-step.
        _nextQuery = now + TimeSpan.FromMilliseconds(_random.Next(20, 121));
        _queryInterval = TimeSpan.FromSeconds(1);
        _nextDue = _nextQuery;
    }

    public void OnResponse(int link, DnsMessage response, TimeSpan now)
    {
        // Only records that can describe a GossipFl peer are cached: a busy LAN (or a flood) then costs
        // memory and time in proportion to GossipFl peers, not to every service on the link.
        var records = response.Answers.Concat(response.Additionals).ToList();
        var hosts = HostsOfInstances(now);
        hosts.UnionWith(records.Where(r => IsInstanceOfOurType(r.Name)).Select(r => r.Data).OfType<SrvData>().Select(s => s.Target));
        var added = false;
        foreach (var record in records.Where(r => IsRelevant(r, hosts)))
        {
            Cache.Add(record, now, _random.NextDouble() * 0.02, link);
            added = true;
        }

        if (added)
        {
            Tick(now);
        }
    }

    public void Tick(TimeSpan now)
    {
        Cache.FlushUnanswered(now);
        Cache.Expire(now);
        var questions = new List<DnsQuestion>();
        if (now >= _nextQuery)
        {
            questions.Add(BrowseQuestion);
            AdvanceQuerySchedule(now);
        }

        AddRefreshQuestions(questions, now);
        AddResolveQuestions(questions, now);
        if (questions.Count > 0)
        {
            // RFC 6762 §7.1: whenever we ask for the instance list, name the instances we know with more than half
            // their TTL left, so only the others (and the ones being refreshed) answer.
            List<DnsResourceRecord> knownAnswers = questions.Contains(BrowseQuestion) ? KnownAnswers(now) : [];
            var query = new DnsMessage { Questions = [.. questions.Distinct()], Answers = knownAnswers };
            for (var link = 0; link < _links.Count; link++)
            {
                _send(link, query, null);
            }
        }

        UpdatePeers(now);
        _nextDue = ComputeNextDue();
    }

    /// <summary>
    /// RFC 6762 §7.3 duplicate question suppression: another host just multicast our browse question (QM) with no
    /// known answer we would not give ourselves, so the answers it draws serve us too; count it as our own query
    /// if ours was due within the next second.
    /// </summary>
    public void OnQuery(DnsMessage query, TimeSpan now)
    {
        ObserveUnanswered(query, now);
        if (_nextQuery - now > TimeSpan.FromSeconds(1) || !query.Questions.Contains(BrowseQuestion))
        {
            return;
        }

        var ours = KnownAnswers(now);
        if (query.Answers.All(theirs => ours.Any(mine => mine.IsSameRecord(theirs))))
        {
            AdvanceQuerySchedule(now);
            _nextDue = ComputeNextDue();
        }
    }

    /// <summary>
    /// RFC 6762 §10.5: note cached records that another host's multicast question (QM) should draw out because it
    /// does not already list them as known answers, and that were not multicast within the last second (when the
    /// responder may stay silent). An answer resets the count (<see cref="MdnsCache.Add"/>).
    /// </summary>
    private void ObserveUnanswered(DnsMessage query, TimeSpan now)
    {
        // A probe (questions with proposed records in the authority section, §8.1) hopes for no answer at all.
        if (query.Authorities.Count > 0)
        {
            return;
        }

        foreach (var question in query.Questions.Where(q => !q.UnicastResponse))
        {
            IEnumerable<DnsRecordType> types = question.Type == DnsRecordType.Any
                ? [DnsRecordType.DomainPointer, DnsRecordType.Srv, DnsRecordType.Txt, DnsRecordType.A, DnsRecordType.Aaaa]
                : [question.Type];
            foreach (var cached in types.SelectMany(t => Cache.Live(question.Name, t, now)))
            {
                if (query.Answers.Any(known => known.IsSameRecord(cached.Record)))
                {
                    continue;
                }

                // A responder multicasts a record at most once a second (RFC 6762 §6): a question within a second
                // of the record's last multicast is legitimately left unanswered, so it is no sign of failure.
                if (now - cached.Received < MdnsConstants.MulticastRateLimit)
                {
                    continue;
                }

                if (cached.UnansweredQueries++ == 0)
                {
                    cached.FirstUnansweredQuery = now;
                }
            }
        }

        _nextDue = ComputeNextDue();
    }

    private static DnsQuestion BrowseQuestion { get; } = new(MdnsConstants.ServiceType, DnsRecordType.DomainPointer);

    private void AdvanceQuerySchedule(TimeSpan now)
    {
        _nextQuery = now + _queryInterval;
        _queryInterval = _queryInterval * 2 < MaxQueryInterval ? _queryInterval * 2 : MaxQueryInterval;
    }

    /// <summary>
    /// The instances we know, and our own: a host knows the answer it would give itself, and listing it keeps the
    /// others from counting our own question against our record (§10.5), since no responder answers it.
    /// </summary>
    private List<DnsResourceRecord> KnownAnswers(TimeSpan now) =>
    [
        .. Cache.Live(MdnsConstants.ServiceType, DnsRecordType.DomainPointer, now)
            .Where(c => (c.Expires - now).TotalSeconds > c.Record.Ttl / 2.0)
            .Select(c => c.Record.WithTtl((uint)(c.Expires - now).TotalSeconds)),
        .. _ownPointer() is { } own ? [own] : Array.Empty<DnsResourceRecord>(),
    ];

    /// <summary>RFC 6762 §5.2: ask again for records we depend on at 80, 85, 90 and 95% of their lifetime.</summary>
    private void AddRefreshQuestions(List<DnsQuestion> questions, TimeSpan now)
    {
        var hosts = HostsOfInstances(now);
        foreach (var cached in Cache.All.Where(c => !c.Leaving && c.NextRefresh <= now).ToList())
        {
            while (cached.NextRefresh <= now)
            {
                cached.RefreshStep++;
            }

            // Records nobody here depends on are left to expire quietly.
            if (IsRelevant(cached.Record, hosts))
            {
                questions.Add(new DnsQuestion(cached.Record.Name, cached.Record.Type));
            }
        }
    }

    /// <summary>Asks for what an instance still lacks (SRV, TXT, addresses), backing off per name.</summary>
    private void AddResolveQuestions(List<DnsQuestion> questions, TimeSpan now)
    {
        var needed = new HashSet<(DnsName Name, DnsRecordType Type)>();
        foreach (var instance in LiveInstances(now))
        {
            var srv = Cache.Live(instance, DnsRecordType.Srv, now).FirstOrDefault();
            if (srv is null)
            {
                needed.Add((instance, DnsRecordType.Srv));
            }

            if (!Cache.Live(instance, DnsRecordType.Txt, now).Any())
            {
                needed.Add((instance, DnsRecordType.Txt));
            }

            if (srv?.Record.Data is SrvData { Target: var host } && Addresses(host, now).Count == 0)
            {
                needed.Add((host, DnsRecordType.A));
                needed.Add((host, DnsRecordType.Aaaa));
            }
        }

        foreach (var key in _resolving.Keys.Where(k => !needed.Contains(k)).ToList())
        {
            _resolving.Remove(key);
        }

        foreach (var key in needed)
        {
            var (next, interval) = _resolving.TryGetValue(key, out var state) ? state : (now, FirstResolveInterval);
            if (now >= next)
            {
                questions.Add(new DnsQuestion(key.Name, key.Type));
                var longer = interval * 2 < MaxResolveInterval ? interval * 2 : MaxResolveInterval;
                _resolving[key] = (now + interval, longer);
            }
            else
            {
                _resolving[key] = state;
            }
        }
    }

    private void UpdatePeers(TimeSpan now)
    {
        var own = _ownInstance();
        var peers = new List<PeerInfo>();
        foreach (var ptr in Cache.Live(MdnsConstants.ServiceType, DnsRecordType.DomainPointer, now))
        {
            var instance = ((PtrData)ptr.Record.Data).Target;
            if (!IsInstanceOfOurType(instance) || (own is not null && DnsName.FromLabels([own]).Equals(DnsName.FromLabels([instance.Labels[0]]))))
            {
                continue;
            }

            var srv = Cache.Live(instance, DnsRecordType.Srv, now).FirstOrDefault();
            if (srv?.Record.Data is not SrvData srvData)
            {
                continue;
            }

            var addresses = Addresses(srvData.Target, now);
            if (addresses.Count == 0)
            {
                continue;
            }

            var txt = Cache.Live(instance, DnsRecordType.Txt, now).FirstOrDefault()?.Record.Data as TxtData;
            var properties = txt is null ? new Dictionary<string, string?>() : TxtProperties.Parse(txt);
            var label = instance.Labels[0];
            var version = properties.GetValueOrDefault(GossipFlTxtKeys.ProtocolVersion) is { } v &&
                int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
            var statusPort = properties.GetValueOrDefault(GossipFlTxtKeys.StatusPort) is { } s &&
                ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : 0;
            var expires = ptr.Expires < srv.Expires ? ptr.Expires : srv.Expires;
            peers.Add(new PeerInfo(
                label,
                properties.GetValueOrDefault(GossipFlTxtKeys.NodeName) ?? label,
                addresses,
                srvData.Port,
                version,
                properties.GetValueOrDefault(GossipFlTxtKeys.KeyFingerprint) ?? "",
                PeerSource.Mdns,
                _toWallClock(expires)) { StatusPort = statusPort });
        }

        _peers.Reconcile(PeerSource.Mdns, peers);
    }

    /// <summary>
    /// Addresses of a host; IPv6 link-local ones carry the scope of the interface they were learnt on, since
    /// fe80::/10 means nothing without one (RFC 4007) and the transport should not have to guess it.
    /// </summary>
    private List<IPAddress> Addresses(DnsName host, TimeSpan now) =>
    [
        .. Cache.Live(host, DnsRecordType.A, now).Concat(Cache.Live(host, DnsRecordType.Aaaa, now))
            .Select(c => ((AddressData)c.Record.Data).Address is { IsIPv6LinkLocal: true } local && c.Link < _links.Count
                ? new IPAddress(local.GetAddressBytes(), _links[c.Link].InterfaceIndex)
                : ((AddressData)c.Record.Data).Address)
            .Distinct(),
    ];

    private IEnumerable<DnsName> LiveInstances(TimeSpan now) =>
        Cache.Live(MdnsConstants.ServiceType, DnsRecordType.DomainPointer, now)
            .Select(c => ((PtrData)c.Record.Data).Target)
            .Where(IsInstanceOfOurType)
            .Where(i => _ownInstance() is not { } own || !DnsName.FromLabels([own]).Equals(DnsName.FromLabels([i.Labels[0]])))
            .Distinct();

    private static bool IsInstanceOfOurType(DnsName name) =>
        name.Labels.Count == MdnsConstants.ServiceType.Labels.Count + 1 && name.Skip(1).Equals(MdnsConstants.ServiceType);

    /// <summary>Host names that SRV records of live GossipFl instances point at.</summary>
    private HashSet<DnsName> HostsOfInstances(TimeSpan now) =>
    [
        .. LiveInstances(now).SelectMany(i => Cache.Live(i, DnsRecordType.Srv, now))
            .Select(s => s.Record.Data).OfType<SrvData>().Select(s => s.Target),
    ];

    private static bool IsRelevant(DnsResourceRecord record, HashSet<DnsName> hosts) => record.Type switch
    {
        DnsRecordType.DomainPointer => record.Name.Equals(MdnsConstants.ServiceType),
        DnsRecordType.Srv or DnsRecordType.Txt => IsInstanceOfOurType(record.Name),
        DnsRecordType.A or DnsRecordType.Aaaa => hosts.Contains(record.Name),
        _ => false,
    };

    private TimeSpan ComputeNextDue()
    {
        var due = _nextQuery;
        var expiry = Cache.NextExpiry;
        due = expiry < due ? expiry : due;
        foreach (var cached in Cache.All.Where(c => !c.Leaving))
        {
            var refresh = cached.NextRefresh;
            due = refresh < due ? refresh : due;
            if (cached.UnansweredQueries >= 2)
            {
                var flush = cached.FirstUnansweredQuery + MdnsCache.PoofWindow;
                due = flush < due ? flush : due;
            }
        }

        foreach (var (next, _) in _resolving.Values)
        {
            due = next < due ? next : due;
        }

        return due;
    }
}
