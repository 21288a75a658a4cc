using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>
/// Records heard on the network, with TTL expiry, goodbye handling (RFC 6762 §10.1) and cache-flush (§10.2).
/// Bounded: when full, the record closest to expiry makes room, so a flood cannot grow memory.
/// </summary>
internal sealed class MdnsCache(int capacity = 2048)
{
    private readonly Dictionary<DnsResourceRecord, CachedRecord> _records = new(RecordIdentityComparer.Instance);

    /// <summary>The same records by name and type, so lookups cost the size of one record set, not of the cache
    /// (a host announcing thousands of fake instances must not make every lookup scan them all).</summary>
    private readonly Dictionary<(DnsName Name, DnsRecordType Type), List<CachedRecord>> _sets = [];

    public int Count => _records.Count;

    public IEnumerable<CachedRecord> All => _records.Values;

    public TimeSpan NextExpiry => _records.Count == 0 ? TimeSpan.MaxValue : _records.Values.Min(r => r.Expires);

    /// <summary>Adds or refreshes one record; returns true if the live view changed (new, gone or new data).</summary>
    public bool Add(DnsResourceRecord record, TimeSpan now, double refreshJitter, int link = 0)
    {
        var changed = false;
        if (record.CacheFlush && record.Ttl > 0)
        {
            // §10.2: the sender holds the whole set of this name and type; anything else we hold for it that is
            // older than one second is stale, but lives one more second in case it was just sent in another packet.
            foreach (var other in Set(record.Name, record.Type).Where(c => c.Record.Class == record.Class &&
                !c.Record.IsSameRecord(record) && now - c.Received > MdnsConstants.GoodbyeGrace))
            {
                if (!other.Leaving)
                {
                    other.Leaving = true;
                    other.Expires = Min(other.Expires, now + MdnsConstants.GoodbyeGrace);
                    changed = true;
                }
            }
        }

        if (_records.TryGetValue(record, out var existing))
        {
            if (record.Ttl == 0)
            {
                // §10.1: a goodbye; keep it one second so a repeated announcement can still undo it.
                changed |= !existing.Leaving;
                existing.Leaving = true;
                existing.Expires = Min(existing.Expires, now + MdnsConstants.GoodbyeGrace);
                return changed;
            }

            changed |= existing.Leaving || !existing.Record.Data.Equals(record.Data);
            existing.Record = record;
            existing.Link = link;
            existing.Received = now;
            existing.Expires = now + TimeSpan.FromSeconds(record.Ttl);
            existing.Leaving = false;
            existing.RefreshStep = 0;
            existing.UnansweredQueries = 0;
            existing.RefreshJitter = refreshJitter;
            return changed;
        }

        if (record.Ttl == 0)
        {
            return changed;
        }

        if (_records.Count >= capacity)
        {
            Remove(_records.Values.MinBy(r => r.Expires)!);
        }

        var cached = new CachedRecord(record, now, link) { RefreshJitter = refreshJitter };
        _records[record] = cached;
        var key = (record.Name, record.Type);
        if (!_sets.TryGetValue(key, out var set))
        {
            _sets[key] = set = [];
        }

        set.Add(cached);
        return true;
    }

    /// <summary>Drops records whose time is up; returns true if any live record went.</summary>
    public bool Expire(TimeSpan now)
    {
        var gone = _records.Values.Where(r => now >= r.Expires).ToList();
        foreach (var record in gone)
        {
            Remove(record);
        }

        return gone.Any(r => !r.Leaving);
    }

    /// <summary>
    /// RFC 6762 §10.5 (passive observation of failures): a record that two or more queries from other hosts should
    /// have drawn out, with no answer seen for ten seconds, is flushed before its TTL runs out.
    /// </summary>
    public bool FlushUnanswered(TimeSpan now)
    {
        var changed = false;
        foreach (var cached in _records.Values.Where(c => !c.Leaving && c.UnansweredQueries >= 2 && now - c.FirstUnansweredQuery >= PoofWindow))
        {
            cached.Leaving = true;
            cached.Expires = now;
            changed = true;
        }

        return changed;
    }

    public static TimeSpan PoofWindow { get; } = TimeSpan.FromSeconds(10);

    public IEnumerable<CachedRecord> Live(DnsName name, DnsRecordType type, TimeSpan now) =>
        Set(name, type).Where(r => r.IsLive(now));

    private List<CachedRecord> Set(DnsName name, DnsRecordType type) =>
        _sets.TryGetValue((name, type), out var set) ? set : [];

    private void Remove(CachedRecord cached)
    {
        _records.Remove(cached.Record);
        var key = (cached.Record.Name, cached.Record.Type);
        if (_sets.TryGetValue(key, out var set))
        {
            set.Remove(cached);
            if (set.Count == 0)
            {
                _sets.Remove(key);
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
