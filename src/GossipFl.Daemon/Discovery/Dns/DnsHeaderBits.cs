namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>Single-bit fields of the second header word (RFC 1035 §4.1.1). The opcode and rcode are separate.</summary>
[Flags]
public enum DnsHeaderBits : ushort
{
    None = 0,
    Response = 0x8000,
    AuthoritativeAnswer = 0x0400,
    Truncated = 0x0200,
    RecursionDesired = 0x0100,
    RecursionAvailable = 0x0080,
}
