namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>Resource record types this stack understands (IANA values); others are carried as raw rdata.</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    /// <summary>PTR.</summary>
    DomainPointer = 12,
    Txt = 16,
    Aaaa = 28,
    Srv = 33,
    Nsec = 47,

    /// <summary>Only in questions: every type (RFC 1035 §3.2.3 "*").</summary>
    Any = 255,
}
