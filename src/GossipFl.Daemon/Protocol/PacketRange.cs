namespace GossipFl.Daemon.Protocol;

/// <summary>An inclusive range of packet numbers, <see cref="Low"/> to <see cref="High"/>.</summary>
public readonly record struct PacketRange(ulong Low, ulong High);
