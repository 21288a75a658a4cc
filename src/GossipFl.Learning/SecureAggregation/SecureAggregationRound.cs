namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// What the server and every client of one secure-aggregation round must agree on: the context every derived key
/// and every signature is bound to (so keys, ciphertexts and signatures of one round are useless in another), the
/// threshold t, the length of the vectors summed (d model values and the sample count), and the identity each client
/// must sign with: the fingerprint (lowercase hex SHA-256 of the DER SubjectPublicKeyInfo) pinned for each client id.
/// </summary>
public sealed record SecureAggregationRound
{
    public SecureAggregationRound(byte[] context, int threshold, int vectorLength, IReadOnlyDictionary<int, string> pinnedFingerprints)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(pinnedFingerprints);
        if (threshold < 2)
        {
            // With t = 1 one client's masked input could be unmasked alone: the "sum" would be an individual update.
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be at least 2");
        }

        if (vectorLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(vectorLength), vectorLength, "the vector needs at least one value");
        }

        Context = context;
        Threshold = threshold;
        VectorLength = vectorLength;
        PinnedFingerprints = pinnedFingerprints.ToDictionary(p => p.Key, p => p.Value.ToLowerInvariant());
    }

    public byte[] Context { get; }

    public int Threshold { get; }

    public int VectorLength { get; }

    /// <summary>Client id → the fingerprint its identity key must have; a client without one cannot take part.</summary>
    public IReadOnlyDictionary<int, string> PinnedFingerprints { get; }

    /// <summary>The default threshold for n sampled clients: ⌊2n/3⌋ + 1 (at least 2), a strict two-thirds majority.</summary>
    public static int DefaultThreshold(int sampled) => Math.Max(2, (2 * sampled / 3) + 1);
}
