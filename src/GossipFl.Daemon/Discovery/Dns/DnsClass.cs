namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>Class values and the mDNS flag that shares the class field.</summary>
public static class DnsClass
{
    public const ushort Internet = 1;

    public const ushort Any = 255;

    /// <summary>
    /// Top bit of the class field. In a resource record it is the cache-flush bit (RFC 6762 §10.2); in a question it
    /// is the unicast-response bit (RFC 6762 §5.4). Either way it is not part of the class itself.
    /// </summary>
    public const ushort TopBit = 0x8000;
}
