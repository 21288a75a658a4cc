using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// Answers for one `_gossipfl._udp.local` instance (RFC 6762, RFC 6763): probes for its instance and host
/// names, breaks simultaneous-probe ties, renames on conflict, announces, answers queries with the RFC's
/// timing and suppression rules, and says goodbye. Pure protocol logic: it is driven with explicit times and
/// sends through a delegate, so tests run it over an in-memory link.
/// </summary>
internal sealed class MdnsResponder
{
    private const int ProbeCount = 3;
    private const int AnnounceCount = 2;

    /// <summary>RFC 6762 §8.1: 250 ms between probes; the first waits 0-250 ms.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>RFC 6762 §8.3: announcements at least one second apart.</summary>
    private static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(1);

    /// <summary>RFC 6762 §6.2: a record is multicast at most once a second per link (250 ms when defending a probe).</summary>
    private static readonly TimeSpan MulticastRateLimit = MdnsConstants.MulticastRateLimit;

    private static readonly TimeSpan ProbeDefenceRateLimit = TimeSpan.FromMilliseconds(250);

    private readonly ServiceAdvertisement _advertisement;
    private readonly IReadOnlyList<IMdnsLink> _links;
    private readonly Action<int, DnsMessage, IPEndPoint?> _send;
    private readonly Random _random;
    private readonly MdnsStatistics _statistics;
    private readonly Action<string> _log;
    private readonly uint _hostTtl;
    private readonly uint _serviceTtl;
    private readonly Dictionary<(int Link, DnsResourceRecord Record), TimeSpan> _lastMulticast =
        new(LinkRecordComparer.Instance);

    private readonly List<PendingResponse> _pending = [];
    private readonly Queue<TimeSpan> _recentConflicts = new();
    private int _renameCount = 1;
    private int _step;
    private TimeSpan _nextAt;

    public MdnsResponder(
        ServiceAdvertisement advertisement,
        IReadOnlyList<IMdnsLink> links,
        Action<int, DnsMessage, IPEndPoint?> send,
        Random random,
        MdnsStatistics statistics,
        TimeSpan hostTtl,
        TimeSpan serviceTtl,
        Action<string> log)
    {
        _advertisement = advertisement;
        _links = links;
        _send = send;
        _random = random;
        _statistics = statistics;
        _log = log;
        _hostTtl = (uint)Math.Max(1, hostTtl.TotalSeconds);
        _serviceTtl = (uint)Math.Max(1, serviceTtl.TotalSeconds);
        State = ResponderState.Stopped;
        (InstanceName, HostName) = NamesFor(1);
    }

    public ResponderState State { get; private set; }

    /// <summary>The instance name in use, e.g. "_node-3 (2)._gossipfl._udp.local" after one conflict.</summary>
    public DnsName InstanceName { get; private set; }

    public DnsName HostName { get; private set; }

    /// <summary>The instance label only (what peers show as the instance name).</summary>
    public string InstanceLabel => InstanceName.Labels[0];

    /// <summary>Our PTR record (service type → instance), which our own browser lists among its known answers.</summary>
    public DnsResourceRecord OwnPointer => new(MdnsConstants.ServiceType, DnsClass.Internet, false, _serviceTtl, new PtrData(InstanceName));

    public TimeSpan NextDue
    {
        get
        {
            var due = State is ResponderState.Probing or ResponderState.Announcing ? _nextAt : TimeSpan.MaxValue;
            foreach (var pending in _pending)
            {
                due = pending.Due < due ? pending.Due : due;
            }

            return due;
        }
    }

    public void Start(TimeSpan now)
    {
        // RFC 6762 §8.1: wait a random 0-250 ms before the first probe, so hosts powered on together do not collide.
        StartProbing(now + TimeSpan.FromMilliseconds(_random.Next(0, 251)));
    }

    public void Tick(TimeSpan now)
    {
        if (State == ResponderState.Probing && now >= _nextAt)
        {
            if (_step < ProbeCount)
            {
                for (var link = 0; link < _links.Count; link++)
                {
                    _send(link, BuildProbe(link), null);
                }

                _step++;
                _nextAt = now + ProbeInterval;
            }
            else
            {
                _log($"mdns: {InstanceName} and {HostName} are ours; announcing");
                State = ResponderState.Announcing;
                _step = 0;
                _pending.Clear();
            }
        }

        if (State == ResponderState.Announcing && now >= _nextAt)
        {
            for (var link = 0; link < _links.Count; link++)
            {
                var records = RecordsFor(link).Where(r => r.Type != DnsRecordType.Nsec).ToList();
                SendResponse(link, records, [], null, now);
            }

            _step++;
            _nextAt = now + AnnounceInterval;
            if (_step >= AnnounceCount)
            {
                State = ResponderState.Announced;
            }
        }

        foreach (var pending in _pending.Where(p => now >= p.Due).ToList())
        {
            _pending.Remove(pending);
            var answers = pending.Answers
                .Where(r => !MulticastRecently(pending.Link, r, now, MulticastRateLimit))
                .ToList();
            if (answers.Count > 0)
            {
                SendResponse(pending.Link, answers, AdditionalsFor(pending.Link, answers), null, now);
            }
        }
    }

    /// <summary>Handles a query heard on <paramref name="link"/> from someone else.</summary>
    public void OnQuery(int link, DnsMessage query, IPEndPoint source, TimeSpan now)
    {
        if (State == ResponderState.Probing)
        {
            BreakProbeTie(link, query, now);
            return;
        }

        if (State == ResponderState.Stopped)
        {
            return;
        }

        var ours = RecordsFor(link);
        var answers = new List<DnsResourceRecord>();
        var unicastAllowed = new List<DnsResourceRecord>();

        // A probe (a query with proposed records in Authority) is always answered by multicast: the prober must
        // hear us even if another stack on its host took the unicast copy (port 5353 is shared, RFC 6762 §15.1),
        // and every other cache on the link learns of the conflict too.
        var defendingProbe = query.Authorities.Count > 0;
        foreach (var question in query.Questions)
        {
            if (question.Class is not (DnsClass.Internet or DnsClass.Any))
            {
                continue;
            }

            var matching = ours.Where(r => r.Name.Equals(question.Name) &&
                (question.Type == r.Type || (question.Type == DnsRecordType.Any && r.Type != DnsRecordType.Nsec))).ToList();

            // RFC 6762 §6.1: for a name we own, answer "no such type" with NSEC instead of staying silent.
            if (matching.Count == 0 && question.Type != DnsRecordType.Any && IsUniqueName(question.Name))
            {
                matching.AddRange(ours.Where(r => r.Type == DnsRecordType.Nsec && r.Name.Equals(question.Name)));
            }

            foreach (var record in matching)
            {
                // RFC 6762 §7.1: the querier already holds this record with at least half its TTL left.
                if (query.Answers.Any(known => known.IsSameRecord(record) && known.Ttl >= record.Ttl / 2))
                {
                    continue;
                }

                if (!answers.Contains(record))
                {
                    answers.Add(record);

                    // RFC 6762 §5.4: a QU question may be answered by unicast, unless the record has not been
                    // multicast on this link for a quarter of its TTL, in which case everyone benefits from multicast.
                    if (question.UnicastResponse && !defendingProbe &&
                        MulticastRecently(link, record, now, TimeSpan.FromSeconds(record.Ttl / 4.0)))
                    {
                        unicastAllowed.Add(record);
                    }
                }
            }
        }

        if (answers.Count == 0)
        {
            return;
        }

        if (source.Port != MdnsConstants.Port)
        {
            AnswerLegacyUnicast(link, query, source, answers);
            return;
        }

        if (unicastAllowed.Count > 0)
        {
            SendUnicast(link, unicastAllowed, source);
            answers.RemoveAll(unicastAllowed.Contains);
        }

        if (answers.Count == 0)
        {
            return;
        }

        if (answers.All(r => r.CacheFlush))
        {
            // RFC 6762 §6: answers made only of unique records we own go out at once (no collision risk),
            // still within the per-record rate limit (§6.2: 250 ms when defending against a probe).
            var limit = defendingProbe ? ProbeDefenceRateLimit : MulticastRateLimit;
            var due = answers.Where(r => !MulticastRecently(link, r, now, limit)).ToList();
            if (due.Count > 0)
            {
                SendResponse(link, due, AdditionalsFor(link, due), null, now);
            }

            return;
        }

        // RFC 6762 §6: shared answers wait 20-120 ms (400-500 ms if more known answers are coming, TC bit), so
        // several responders' answers and several queries can be aggregated and suppressed.
        var delay = query.IsTruncated ? _random.Next(400, 501) : _random.Next(20, 121);
        var pending = _pending.Find(p => p.Link == link);
        if (pending is null)
        {
            pending = new PendingResponse(link, now + TimeSpan.FromMilliseconds(delay));
            _pending.Add(pending);
        }

        foreach (var record in answers.Where(r => !pending.Answers.Contains(r)))
        {
            pending.Answers.Add(record);
        }
    }

    /// <summary>Handles a response heard on <paramref name="link"/> from someone else: conflicts and duplicate
    /// answer suppression.</summary>
    public void OnResponse(int link, DnsMessage response, TimeSpan now)
    {
        if (State == ResponderState.Stopped)
        {
            return;
        }

        var ours = RecordsFor(link);
        foreach (var record in response.Answers.Concat(response.Additionals))
        {
            if (record.Ttl == 0 || !IsUniqueName(record.Name) || record.Type == DnsRecordType.Nsec)
            {
                continue;
            }

            var sameKind = ours.Where(r => r.Type == record.Type && r.Name.Equals(record.Name)).ToList();
            var identical = sameKind.Any(r => r.IsSameRecord(record));
            if (identical)
            {
                continue;
            }

            // RFC 6762 §8.1: while probing, any other answer for the name is a conflict. §9: once announced, only a
            // different record of a type we hold for that name is (A and AAAA sets are per host).
            if (State == ResponderState.Probing || sameKind.Count > 0)
            {
                OnConflict(record, now);
                return;
            }
        }

        // RFC 6762 §7.4: someone else just multicast an answer we were about to give, with enough TTL left.
        foreach (var pending in _pending.Where(p => p.Link == link))
        {
            pending.Answers.RemoveAll(mine => response.Answers.Any(theirs => theirs.IsSameRecord(mine) && theirs.Ttl >= mine.Ttl / 2));
        }
    }

    /// <summary>RFC 6762 §10.1: every announced record again with TTL 0, so caches drop us now, not at expiry.</summary>
    public void Stop(TimeSpan now)
    {
        if (State is ResponderState.Announcing or ResponderState.Announced)
        {
            for (var link = 0; link < _links.Count; link++)
            {
                var goodbye = RecordsFor(link).Where(r => r.Type != DnsRecordType.Nsec).Select(r => r.WithTtl(0)).ToList();
                SendResponse(link, goodbye, [], null, now);
            }
        }

        _pending.Clear();
        State = ResponderState.Stopped;
    }

    /// <summary>All our records as advertised on <paramref name="link"/> (its interface's addresses).</summary>
    public List<DnsResourceRecord> RecordsFor(int link)
    {
        var addresses = _links[link].InterfaceAddresses
            .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            .Select(a => new DnsResourceRecord(HostName, DnsClass.Internet, true, _hostTtl, new AddressData(a)))
            .ToList();
        List<DnsRecordType> hostTypes = [.. addresses.Select(a => a.Type).Distinct().Order()];
        return
        [
            new(MdnsConstants.ServiceType, DnsClass.Internet, false, _serviceTtl, new PtrData(InstanceName)),
            new(MdnsConstants.ServiceTypeEnumeration, DnsClass.Internet, false, _serviceTtl, new PtrData(MdnsConstants.ServiceType)),
            new(InstanceName, DnsClass.Internet, true, _hostTtl, new SrvData(0, 0, _advertisement.Port, HostName)),
            new(InstanceName, DnsClass.Internet, true, _serviceTtl, TxtProperties.Build(_advertisement.TxtPairs())),
            .. addresses,
            new(InstanceName, DnsClass.Internet, true, _hostTtl, new NsecData(InstanceName, [DnsRecordType.Txt, DnsRecordType.Srv])),
            new(HostName, DnsClass.Internet, true, _hostTtl, new NsecData(HostName, hostTypes)),
        ];
    }

    private void StartProbing(TimeSpan at)
    {
        State = ResponderState.Probing;
        _step = 0;
        _nextAt = at;
        _pending.Clear();
    }

    private DnsMessage BuildProbe(int link)
    {
        // RFC 6762 §8.1/§8.2: questions of type ANY for each name, QU set on probes, proposed records in Authority.
        var proposed = RecordsFor(link).Where(r => r.CacheFlush && r.Type != DnsRecordType.Nsec)
            .Select(r => r with { CacheFlush = false }).ToList();
        return new DnsMessage
        {
            Questions =
            [
                new DnsQuestion(InstanceName, DnsRecordType.Any, DnsClass.Internet, UnicastResponse: true),
                new DnsQuestion(HostName, DnsRecordType.Any, DnsClass.Internet, UnicastResponse: true),
            ],
            Authorities = proposed,
        };
    }

    /// <summary>
    /// RFC 6762 §8.2: another host probes for a name we are probing. Compare the two sets of proposed records in
    /// lexicographic order (class, type, raw rdata); the later set wins. The loser waits a second and probes again
    /// (and will then see the winner's answers as a conflict).
    /// </summary>
    private void BreakProbeTie(int link, DnsMessage query, TimeSpan now)
    {
        foreach (var name in (DnsName[])[InstanceName, HostName])
        {
            var theirs = query.Authorities.Where(r => r.Name.Equals(name)).ToList();
            if (theirs.Count == 0)
            {
                continue;
            }

            var mine = RecordsFor(link).Where(r => r.Name.Equals(name) && r.Type != DnsRecordType.Nsec).ToList();
            var comparison = CompareRecordSets(mine, theirs);
            if (comparison < 0)
            {
                _statistics.CountConflict();
                _log($"mdns: simultaneous probe for {name} lost the tie-break; probing again in 1 s");
                StartProbing(now + TimeSpan.FromSeconds(1));
                return;
            }
        }
    }

    private static int CompareRecordSets(List<DnsResourceRecord> mine, List<DnsResourceRecord> theirs)
    {
        static List<(ushort Class, ushort Type, byte[] Data)> Sorted(List<DnsResourceRecord> records) =>
        [
            .. records.Select(r => (r.Class, (ushort)r.Type, DnsMessageWriter.CanonicalRdata(r.Data)))
                .OrderBy(t => t.Class).ThenBy(t => t.Item2).ThenBy(t => t.Item3, ByteArrayComparer.Instance),
        ];

        var a = Sorted(mine);
        var b = Sorted(theirs);
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var c = a[i].Class.CompareTo(b[i].Class);
            c = c != 0 ? c : a[i].Type.CompareTo(b[i].Type);
            c = c != 0 ? c : ByteArrayComparer.Instance.Compare(a[i].Data, b[i].Data);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    private void OnConflict(DnsResourceRecord theirs, TimeSpan now)
    {
        _statistics.CountConflict();
        if (State == ResponderState.Probing)
        {
            var old = InstanceName;
            (InstanceName, HostName) = NamesFor(++_renameCount);
            _log($"mdns: {theirs.Name} is taken ({theirs.Type} from another host); renamed {old} to {InstanceName}");

            // RFC 6762 §8.1: after 15 conflicts within 10 s, wait 5 s before probing again.
            _recentConflicts.Enqueue(now);
            while (_recentConflicts.Count > 0 && now - _recentConflicts.Peek() > TimeSpan.FromSeconds(10))
            {
                _recentConflicts.Dequeue();
            }

            StartProbing(_recentConflicts.Count >= 15 ? now + TimeSpan.FromSeconds(5) : now);
        }
        else
        {
            // RFC 6762 §9: a conflicting record after announcing sends us back to probing; if the other host still
            // holds the name it will answer our probes and we rename then.
            _log($"mdns: conflicting {theirs.Type} for {theirs.Name} after announcing; probing again");
            StartProbing(now);
        }
    }

    private (DnsName Instance, DnsName Host) NamesFor(int attempt)
    {
        var suffix = attempt == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({attempt})");
        var hostSuffix = attempt == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $"-{attempt}");
        return (MdnsConstants.ServiceType.Prepend(_advertisement.NodeName + suffix),
            MdnsConstants.Local.Prepend(_advertisement.HostLabel() + hostSuffix));
    }

    private bool IsUniqueName(DnsName name) => name.Equals(InstanceName) || name.Equals(HostName);

    private bool MulticastRecently(int link, DnsResourceRecord record, TimeSpan now, TimeSpan window) =>
        _lastMulticast.TryGetValue((link, record), out var at) && now - at < window;

    /// <summary>RFC 6763 §12: with a PTR answer come SRV, TXT and addresses; with SRV come addresses; NSEC
    /// tells what else does not exist (RFC 6762 §6.1).</summary>
    private List<DnsResourceRecord> AdditionalsFor(int link, List<DnsResourceRecord> answers)
    {
        var ours = RecordsFor(link);
        var additionals = new List<DnsResourceRecord>();
        if (answers.Any(r => r.Type == DnsRecordType.DomainPointer && r.Name.Equals(MdnsConstants.ServiceType)))
        {
            additionals.AddRange(ours.Where(r => r.Name.Equals(InstanceName)));
        }

        if (answers.Any(r => r.Type == DnsRecordType.Srv) || additionals.Count > 0)
        {
            additionals.AddRange(ours.Where(r => r.Name.Equals(HostName)));
        }

        return [.. additionals.Where(r => !answers.Contains(r)).Distinct()];
    }

    private void SendResponse(int link, List<DnsResourceRecord> answers, List<DnsResourceRecord> additionals, IPEndPoint? destination, TimeSpan now)
    {
        _send(link, new DnsMessage
        {
            Flags = DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer,
            Answers = answers,
            Additionals = additionals,
        }, destination);
        if (destination is null)
        {
            foreach (var record in answers)
            {
                _lastMulticast[(link, record)] = now;
            }
        }
    }

    private void SendUnicast(int link, List<DnsResourceRecord> answers, IPEndPoint destination) =>
        _send(link, new DnsMessage
        {
            Flags = DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer,
            Answers = answers,
            Additionals = AdditionalsFor(link, answers),
        }, destination);

    /// <summary>RFC 6762 §6.7: a query from a port other than 5353 is a plain DNS resolver; answer it like a
    /// unicast DNS server: same id, question repeated, no cache-flush bits, TTL at most 10 s.</summary>
    private void AnswerLegacyUnicast(int link, DnsMessage query, IPEndPoint source, List<DnsResourceRecord> answers)
    {
        static DnsResourceRecord Legacy(DnsResourceRecord r) =>
            r with { CacheFlush = false, Ttl = Math.Min(r.Ttl, MdnsConstants.LegacyUnicastMaxTtl) };

        _send(link, new DnsMessage
        {
            Id = query.Id,
            Flags = DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer,
            Questions = query.Questions,
            Answers = [.. answers.Select(Legacy)],
            Additionals = [.. AdditionalsFor(link, answers).Select(Legacy)],
        }, source);
    }
}
