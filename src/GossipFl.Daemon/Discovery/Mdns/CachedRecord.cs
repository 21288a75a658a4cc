using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>A record in the browser's cache, with when it arrived and when it lapses.</summary>
internal sealed class CachedRecord(DnsResourceRecord record, TimeSpan received, int link)
{
    /// <summary>The link it last arrived on (gives IPv6 link-local addresses their scope).</summary>
    public int Link { get; set; } = link;

    public DnsResourceRecord Record { get; set; } = record;

    public TimeSpan Received { get; set; } = received;

    public TimeSpan Expires { get; set; } = received + TimeSpan.FromSeconds(record.Ttl);

    /// <summary>Goodbye received (or flushed): kept for one second (RFC 6762 §10.1) but no longer live.</summary>
    public bool Leaving { get; set; }

    /// <summary>How many of the refresh queries at 80/85/90/95% of the TTL (RFC 6762 §5.2) were sent.</summary>
    public int RefreshStep { get; set; }

    /// <summary>Random 0-2% added to each refresh point, drawn once per arrival.</summary>
    public double RefreshJitter { get; set; }

    /// <summary>Queries from other hosts that this record should have answered, and none did (RFC 6762 §10.5).</summary>
    public int UnansweredQueries { get; set; }

    public TimeSpan FirstUnansweredQuery { get; set; }

    public TimeSpan NextRefresh => RefreshStep >= 4
        ? TimeSpan.MaxValue
        : Received + (TimeSpan.FromSeconds(Record.Ttl) * (0.80 + (0.05 * RefreshStep) + RefreshJitter));

    public bool IsLive(TimeSpan now) => !Leaving && now < Expires;
}
