using System.Buffers.Binary;
using GossipFl.Learning.Compression;

namespace GossipFl.Daemon.Protocol;

/// <summary>
/// A FedAvg client's compressed update (docs/algorithms.md, "Compressed messages"): the encoded change
/// C(x_k − g + e_k) of its model against the global model g it was assigned, with error feedback e_k kept by the
/// client (<see cref="Learning.Algorithms.FedAvgUpdateCompressor"/>). Kind 7 like the plain update, version 2, so a
/// version-1 reader refuses it by its version and names it.
/// </summary>
/// <remarks>
/// Layout: kind u8 = 7, version u8 = 2, reserved u16 = 0, term i64, round i64, samples i64 ≥ 0, codec u8
/// (<see cref="CodecKind"/>), reserved u8 × 3 = 0, payload length u32 — big-endian like <see cref="FedAvgMessage"/> —
/// then the codec's payload.
/// </remarks>
public sealed class CompressedFedAvgUpdate
{
    public const byte Kind = (byte)FedAvgMessageKind.Update;
    public const byte Version = 2;
    public const int HeaderSize = 36;

    public CompressedFedAvgUpdate(long term, long round, long samples, CodecKind codec, ReadOnlyMemory<byte> payload)
    {
        Term = term;
        Round = round;
        Samples = samples;
        Codec = codec;
        Payload = payload;
    }

    public long Term { get; }

    public long Round { get; }

    /// <summary>The client's sample count n_k; 0 when it declines the round (as in <see cref="FedAvgMessage"/>).</summary>
    public long Samples { get; }

    public CodecKind Codec { get; }

    /// <summary>The encoded change; a reader's payload refers to the received bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    public int Size => HeaderSize + Payload.Length;

    /// <summary>Whether <paramref name="source"/> starts like a compressed update (kind 7, version 2).</summary>
    public static bool IsCompressed(ReadOnlySpan<byte> source) => source.Length >= 2 && source[0] == Kind && source[1] == Version;

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        bytes[0] = Kind;
        bytes[1] = Version;
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span[4..], Term);
        BinaryPrimitives.WriteInt64BigEndian(span[12..], Round);
        BinaryPrimitives.WriteInt64BigEndian(span[20..], Samples);
        span[28] = (byte)Codec;
        BinaryPrimitives.WriteUInt32BigEndian(span[32..], (uint)Payload.Length);
        Payload.Span.CopyTo(span[HeaderSize..]);
        return bytes;
    }

    /// <summary>
    /// Reads an update encoded with <paramref name="codec"/>. Refused with a reason: another kind or version, set
    /// reserved bits, another codec (named), a payload length that is not the codec's, a negative term, round or
    /// sample count, or a payload the codec does not accept (<see cref="ICodec.TryValidate"/>: non-finite scales or
    /// values, top-k indices out of range or not increasing), so a bad or hostile client cannot poison the global model.
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> source, ICodec codec, out CompressedFedAvgUpdate update, out string reason)
    {
        ArgumentNullException.ThrowIfNull(codec);
        update = null!;
        var span = source.Span;
        if (span.Length < HeaderSize)
        {
            reason = $"truncated: {span.Length} bytes, the header of a compressed update alone is {HeaderSize}";
            return false;
        }

        if (span[0] != Kind || span[1] != Version || span[2] != 0 || span[3] != 0 || span[29] != 0 || span[30] != 0 || span[31] != 0)
        {
            reason = $"kind {span[0]} version {span[1]} with reserved bytes {span[2]},{span[3]},{span[29]},{span[30]},{span[31]}, expected kind {Kind} version {Version} with zeros (a compressed update)";
            return false;
        }

        var term = BinaryPrimitives.ReadInt64BigEndian(span[4..]);
        var round = BinaryPrimitives.ReadInt64BigEndian(span[12..]);
        var samples = BinaryPrimitives.ReadInt64BigEndian(span[20..]);
        var kind = (CodecKind)span[28];
        var length = BinaryPrimitives.ReadUInt32BigEndian(span[32..]);
        if (term < 0 || round < 0 || samples < 0)
        {
            reason = $"term {term}, round {round} or sample count {samples} is negative";
            return false;
        }

        if (!EncodedPayload.TryRead(source, HeaderSize, kind, length, codec, out var payload, out reason))
        {
            return false;
        }

        update = new CompressedFedAvgUpdate(term, round, samples, kind, payload);
        reason = string.Empty;
        return true;
    }
}
