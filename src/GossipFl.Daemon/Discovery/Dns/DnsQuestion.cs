namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// One question. <paramref name="UnicastResponse"/> is the top bit of the class field, the "QU" bit of
/// RFC 6762 §5.4; <paramref name="Class"/> never includes it.
/// </summary>
public sealed record DnsQuestion(DnsName Name, DnsRecordType Type, ushort Class = DnsClass.Internet, bool UnicastResponse = false)
{
    public const int FixedSize = 4;
}
