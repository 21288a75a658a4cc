namespace GossipFl.Daemon.Protocol;

/// <summary>
/// "I trust you: send me your shares" (or, with <see cref="Follows"/> false, "I am leaving"). A node sends it to
/// each peer it trusts when it starts and when it stops, so every node learns which of its followers are there.
/// The mixing weights still come from the topology every node shares: a subscription confirms a trust edge of the
/// file, it does not create one (docs/protocol.md).
/// </summary>
/// <remarks>Layout (4 bytes): kind u8 = 9, version u8 = 1, flags u8 (bit 0: follows), reserved u8 = 0.</remarks>
public readonly record struct Subscription(bool Follows)
{
    public const byte Kind = 9;
    public const byte Version = 1;
    public const int Size = 4;

    public byte[] ToArray() => [Kind, Version, Follows ? (byte)1 : (byte)0, 0];

    public static bool TryRead(ReadOnlySpan<byte> source, out Subscription subscription, out string reason)
    {
        subscription = default;
        if (source.Length != Size || source[0] != Kind || source[1] != Version)
        {
            reason = $"{source.Length} bytes of kind {(source.IsEmpty ? -1 : source[0])}; a subscription is {Size} bytes of kind {Kind} version {Version}";
            return false;
        }

        if ((source[2] & ~1) != 0 || source[3] != 0)
        {
            reason = $"unknown flags 0x{source[2]:x2} or reserved byte {source[3]}";
            return false;
        }

        subscription = new Subscription((source[2] & 1) != 0);
        reason = string.Empty;
        return true;
    }
}
