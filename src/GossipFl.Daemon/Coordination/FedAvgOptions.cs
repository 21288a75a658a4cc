namespace GossipFl.Daemon.Coordination;

/// <summary>How a daemon runs FedAvg rounds on an elected coordinator (docs/algorithms.md).</summary>
internal sealed record FedAvgOptions
{
    public required long Rounds { get; init; }

    /// <summary>Fraction C of the live peers sampled as clients each round.</summary>
    public required double ClientFraction { get; init; }

    /// <summary>The shared seed: the client draw of a round depends only on it, the round and the live peers.</summary>
    public required ulong Seed { get; init; }

    /// <summary>How long a coordinator waits for the sampled clients' updates; later ones are dropped for that round.</summary>
    public required TimeSpan RoundDeadline { get; init; }

    public required int EvaluateEvery { get; init; }

    /// <summary>Before its first round, a coordinator waits up to this long (from the daemon's start) for every member to be live.</summary>
    public required TimeSpan PeerWait { get; init; }

    /// <summary>A peer that has had no coordinator for this long gives up (exit code 1) and says why.</summary>
    public required TimeSpan LeaderlessTimeout { get; init; }

    public required ElectionOptions Election { get; init; }

    /// <summary>How the coordinator combines the updates: FedAvg's mean or a Byzantine-robust rule.</summary>
    public Learning.Robustness.AggregationSpec Aggregation { get; init; } = Learning.Robustness.AggregationSpec.Mean;

    /// <summary>
    /// Secure aggregation (docs/secure-aggregation.md): the coordinator learns only the weighted sum of the sampled
    /// clients' updates, unmasked from the Bonawitz et al. protocol run over the transport.
    /// </summary>
    public bool SecureAggregation { get; init; }

    /// <summary>
    /// Secure aggregation: the node's identity key as the protocol signs with it (its ephemeral keys each round, and the
    /// survivor list before unmasking), and the fingerprint the topology pins for each member index, which every
    /// signature is checked against. The daemon refuses to start secure aggregation unless every member is pinned.
    /// </summary>
    public Learning.SecureAggregation.SigningIdentity? SecureIdentity { get; init; }

    /// <inheritdoc cref="SecureIdentity"/>
    public IReadOnlyDictionary<int, string> PinnedFingerprints { get; init; } = new Dictionary<int, string>();

    /// <summary>The task signature peers agreed on at the handshake; secure-aggregation signatures are bound to it.</summary>
    public byte[] TaskSignature { get; init; } = [];

    /// <summary>
    /// The codec of the clients' updates (docs/algorithms.md, "Compressed messages"), null when they are sent whole.
    /// Clients send C(x_k − g + e_k) with error feedback; the coordinator rebuilds g + decode(·). The global model
    /// the coordinator sends stays uncompressed.
    /// </summary>
    public Learning.Compression.ICodec? Compression { get; init; }

    /// <summary>Test-only: the round after whose acknowledged masked input this process kills itself (a crash between rounds 2 and 3).</summary>
    public long? CrashAfterMaskedInput { get; init; }

    /// <summary>Test-only: this node attacks (its updates carry the attack's vector).</summary>
    public Node.DaemonAttack? Attack { get; init; }
}
