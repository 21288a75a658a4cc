using System.Buffers.Binary;

namespace GossipFl.Daemon.Protocol;

/// <summary>What an election message says (docs/algorithms.md, "Electing the FedAvg coordinator").</summary>
public enum ElectionMessageKind : byte
{
    /// <summary>A candidate asks for a vote in its term, saying how new its global model is.</summary>
    VoteRequest = 2,

    /// <summary>The answer to a vote request: granted or not, with the voter's term.</summary>
    Vote = 3,

    /// <summary>The coordinator's periodic "I am coordinator of this term".</summary>
    Heartbeat = 4,

    /// <summary>A peer's answer to a heartbeat: the coordinator counts these to know who is live and whether it still has a quorum.</summary>
    HeartbeatReply = 5,
}

/// <summary>
/// One message of the coordinator election. Like every payload it travels inside the authenticated transport,
/// whose verified sender names the peer, so no node name is on the wire to be spoofed.
/// </summary>
/// <remarks>
/// Layout, big-endian like the transport's headers (20 bytes): kind u8 (2..5), version u8 = 1, flags u8 (bit 0:
/// vote granted; bit 1: pre-vote, on a vote request or vote only; other bits zero), reserved u8 = 0, term i64,
/// round i64 (the round of the newest global model the sender holds, -1 for none).
/// </remarks>
public readonly record struct ElectionMessage(ElectionMessageKind Kind, long Term, long Round, bool Granted = false, bool PreVote = false)
{
    public const byte Version = 1;
    public const int Size = 20;

    private const byte GrantedFlag = 1;
    private const byte PreVoteFlag = 2;

    /// <summary>True when a payload's first byte is one of the election kinds (the dispatcher's test).</summary>
    public static bool IsElectionKind(byte kind) => kind is >= (byte)ElectionMessageKind.VoteRequest and <= (byte)ElectionMessageKind.HeartbeatReply;

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        destination[0] = (byte)Kind;
        destination[1] = Version;
        destination[2] = (byte)((Granted ? GrantedFlag : 0) | (PreVote ? PreVoteFlag : 0));
        destination[3] = 0;
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], Term);
        BinaryPrimitives.WriteInt64BigEndian(destination[12..], Round);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Reads exactly one message; anything else (wrong kind, version, length, flags, a negative term) is refused with the reason.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ElectionMessage message, out string reason)
    {
        message = default;
        if (source.Length != Size)
        {
            reason = $"{source.Length} bytes; an election message is {Size}";
            return false;
        }

        if (!IsElectionKind(source[0]) || source[1] != Version)
        {
            reason = $"kind {source[0]} version {source[1]} is not an election message of version {Version}";
            return false;
        }

        var preVote = (source[2] & PreVoteFlag) != 0;
        if ((source[2] & ~(GrantedFlag | PreVoteFlag)) != 0 || source[3] != 0
            || (preVote && source[0] is not ((byte)ElectionMessageKind.VoteRequest or (byte)ElectionMessageKind.Vote)))
        {
            reason = $"unknown flags 0x{source[2]:x2} or reserved byte {source[3]}";
            return false;
        }

        var term = BinaryPrimitives.ReadInt64BigEndian(source[4..]);
        var round = BinaryPrimitives.ReadInt64BigEndian(source[12..]);
        if (term < 0 || round < -1)
        {
            reason = $"term {term} or round {round} out of range";
            return false;
        }

        message = new ElectionMessage((ElectionMessageKind)source[0], term, round, (source[2] & GrantedFlag) != 0, preVote);
        reason = string.Empty;
        return true;
    }
}
