using System.Buffers.Binary;
using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Daemon.Protocol;

/// <summary>The messages of one secure-aggregation round (docs/secure-aggregation.md); stable values after FedAvg's 6..8 and the subscription's 9.</summary>
public enum SecureAggregationMessageKind : byte
{
    /// <summary>Coordinator to a sampled client: make this round's keys (sent with the assignment, so key exchange overlaps training).</summary>
    KeyRequest = 10,

    /// <summary>Client to coordinator, Bonawitz round 0: the client's two ephemeral public keys, signed with its identity key.</summary>
    AdvertiseKeys = 11,

    /// <summary>Coordinator to every client of U1: all advertised keys.</summary>
    KeyDirectory = 12,

    /// <summary>Client to coordinator, round 1: its shares, encrypted for each other client.</summary>
    ShareKeys = 13,

    /// <summary>Coordinator to every client of U2: the shares the others encrypted for it.</summary>
    RelayedShares = 14,

    /// <summary>Client to coordinator, round 2: the masked input.</summary>
    MaskedInput = 15,

    /// <summary>Coordinator to every client of U3: whose masked inputs it holds, for the client to sign (round 4).</summary>
    Survivors = 16,

    /// <summary>Client to coordinator, round 3: the shares that remove the masks of the sum (only after a valid consistency proof).</summary>
    Unmasking = 17,

    /// <summary>Client to coordinator, round 4 (ConsistencyCheck): its identity signature over the survivor list.</summary>
    SurvivorSignature = 18,

    /// <summary>Coordinator to every client of U3: the survivors' signatures over U3, at least t of them.</summary>
    ConsistencyProof = 19,
}

/// <summary>
/// One message of a secure-aggregation round of one coordinator term. Layout, header big-endian (24 bytes): kind u8
/// (10..19), version u8 = 2, attempt u16 (0 for a round's first try, one more for each redo), term i64, round i64,
/// threshold t u16, sampled n u16 (2 ≤ t ≤ n ≤ 1024; a client echoes its round's values), then the body of its kind,
/// read by the library's <c>TryRead</c> (<see cref="AdvertisedKeys"/>, <see cref="Learning.SecureAggregation.KeyDirectory"/>,
/// <see cref="ShareCiphertexts"/>, <see cref="Learning.SecureAggregation.MaskedInput"/>, <see cref="SurvivorList"/>,
/// <see cref="Learning.SecureAggregation.SurvivorSignature"/>, <see cref="Learning.SecureAggregation.ConsistencyProof"/>,
/// <see cref="UnmaskingShares"/>); a key request has no body. Version 1 (unsigned keys, no round 4, a reserved u16 where
/// the attempt is) is refused: its keys could be swapped by the coordinator unnoticed.
/// </summary>
public sealed class SecureAggregationMessage
{
    public const byte Version = 2;
    public const int HeaderSize = 24;

    private SecureAggregationMessage(SecureAggregationMessageKind kind, int attempt, long term, long round, int threshold, int sampled, object? body)
    {
        Kind = kind;
        Attempt = attempt;
        Term = term;
        Round = round;
        Threshold = threshold;
        Sampled = sampled;
        Body = body;
    }

    public SecureAggregationMessageKind Kind { get; }

    /// <summary>Which try of the round this is: a redone round has fresh keys, and signatures of one try do not verify in another.</summary>
    public int Attempt { get; }

    public long Term { get; }

    public long Round { get; }

    public int Threshold { get; }

    public int Sampled { get; }

    /// <summary>The parsed body: null for a key request, else the library message of <see cref="Kind"/>.</summary>
    public object? Body { get; }

    public static bool IsSecureAggregationKind(byte kind) =>
        kind is >= (byte)SecureAggregationMessageKind.KeyRequest and <= (byte)SecureAggregationMessageKind.ConsistencyProof;

    public static SecureAggregationMessage Create(SecureAggregationMessageKind kind, int attempt, long term, long round, int threshold, int sampled, object? body)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(attempt, ushort.MaxValue);
        if (ExpectedBodyType(kind) is { } type ? body?.GetType() != type : body is not null)
        {
            throw new ArgumentException($"{kind} does not carry a {body?.GetType().Name ?? "null"} body", nameof(body));
        }

        return new SecureAggregationMessage(kind, attempt, term, round, threshold, sampled, body);
    }

    public byte[] ToArray()
    {
        var body = Body switch
        {
            null => [],
            AdvertisedKeys keys => keys.ToArray(),
            KeyDirectory directory => directory.ToArray(),
            ShareCiphertexts shares => shares.ToArray(),
            MaskedInput input => input.ToArray(),
            SurvivorList survivors => survivors.ToArray(),
            SurvivorSignature signature => signature.ToArray(),
            ConsistencyProof proof => proof.ToArray(),
            UnmaskingShares unmasking => unmasking.ToArray(),
            _ => throw new InvalidOperationException($"no layout for {Body.GetType().Name}"),
        };
        var bytes = new byte[HeaderSize + body.Length];
        bytes[0] = (byte)Kind;
        bytes[1] = Version;
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)Attempt);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], Term);
        BinaryPrimitives.WriteInt64BigEndian(span[12..], Round);
        BinaryPrimitives.WriteUInt16BigEndian(span[20..], (ushort)Threshold);
        BinaryPrimitives.WriteUInt16BigEndian(span[22..], (ushort)Sampled);
        body.CopyTo(span[HeaderSize..]);
        return bytes;
    }

    /// <summary>
    /// Reads a message whose masked input (if that is its kind) has <paramref name="vectorLength"/> values. Anything else
    /// (another kind or version, a negative term or round, a threshold outside [2, n] or n over the limit, a body that
    /// its reader refuses or that should be empty) is refused with the reason.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int vectorLength, out SecureAggregationMessage message, out string reason)
    {
        message = null!;
        if (source.Length < HeaderSize)
        {
            reason = $"truncated: {source.Length} bytes, the header alone is {HeaderSize}";
            return false;
        }

        if (!IsSecureAggregationKind(source[0]) || source[1] != Version)
        {
            reason = source[1] == 1
                ? $"kind {source[0]} version 1 (unsigned ephemeral keys, no consistency check) is refused; this node speaks version {Version}"
                : $"kind {source[0]} version {source[1]} is not a secure-aggregation message of version {Version}";
            return false;
        }

        var kind = (SecureAggregationMessageKind)source[0];
        int attempt = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var term = BinaryPrimitives.ReadInt64BigEndian(source[4..]);
        var round = BinaryPrimitives.ReadInt64BigEndian(source[12..]);
        int threshold = BinaryPrimitives.ReadUInt16BigEndian(source[20..]);
        int sampled = BinaryPrimitives.ReadUInt16BigEndian(source[22..]);
        if (term < 0 || round < 0)
        {
            reason = $"term {term} or round {round} is negative";
            return false;
        }

        if (threshold < 2 || threshold > sampled || sampled > SecureAggregationLimits.MaxClients)
        {
            reason = $"threshold {threshold} of {sampled} sampled clients is outside 2 <= t <= n <= {SecureAggregationLimits.MaxClients}";
            return false;
        }

        var body = source[HeaderSize..];
        object? parsed = null;
        var ok = true;
        reason = string.Empty;
        switch (kind)
        {
            case SecureAggregationMessageKind.KeyRequest:
                if (body.Length != 0)
                {
                    (ok, reason) = (false, $"a key request has no body, this one {body.Length} bytes");
                }

                break;
            case SecureAggregationMessageKind.AdvertiseKeys:
                ok = AdvertisedKeys.TryRead(body, out var keys, out reason);
                parsed = keys;
                break;
            case SecureAggregationMessageKind.KeyDirectory:
                ok = KeyDirectory.TryRead(body, out var directory, out reason);
                parsed = directory;
                break;
            case SecureAggregationMessageKind.ShareKeys or SecureAggregationMessageKind.RelayedShares:
                ok = ShareCiphertexts.TryRead(body, out var shares, out reason);
                parsed = shares;
                break;
            case SecureAggregationMessageKind.MaskedInput:
                ok = MaskedInput.TryRead(body, vectorLength, out var input, out reason);
                parsed = input;
                break;
            case SecureAggregationMessageKind.Survivors:
                ok = SurvivorList.TryRead(body, out var survivors, out reason);
                parsed = survivors;
                break;
            case SecureAggregationMessageKind.Unmasking:
                ok = UnmaskingShares.TryRead(body, out var unmasking, out reason);
                parsed = unmasking;
                break;
            case SecureAggregationMessageKind.SurvivorSignature:
                ok = SurvivorSignature.TryRead(body, out var signature, out reason);
                parsed = signature;
                break;
            case SecureAggregationMessageKind.ConsistencyProof:
                ok = ConsistencyProof.TryRead(body, out var proof, out reason);
                parsed = proof;
                break;
        }

        if (!ok)
        {
            reason = $"{kind}: {reason}";
            return false;
        }

        message = new SecureAggregationMessage(kind, attempt, term, round, threshold, sampled, parsed);
        return true;
    }

    private static Type? ExpectedBodyType(SecureAggregationMessageKind kind) => kind switch
    {
        SecureAggregationMessageKind.KeyRequest => null,
        SecureAggregationMessageKind.AdvertiseKeys => typeof(AdvertisedKeys),
        SecureAggregationMessageKind.KeyDirectory => typeof(KeyDirectory),
        SecureAggregationMessageKind.ShareKeys or SecureAggregationMessageKind.RelayedShares => typeof(ShareCiphertexts),
        SecureAggregationMessageKind.MaskedInput => typeof(MaskedInput),
        SecureAggregationMessageKind.Survivors => typeof(SurvivorList),
        SecureAggregationMessageKind.Unmasking => typeof(UnmaskingShares),
        SecureAggregationMessageKind.SurvivorSignature => typeof(SurvivorSignature),
        SecureAggregationMessageKind.ConsistencyProof => typeof(ConsistencyProof),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a secure-aggregation kind"),
    };
}
