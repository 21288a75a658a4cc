using System.Security.Cryptography;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The server role of one round of secure aggregation (Bonawitz et al., CCS 2017, §4, with the signed keys and the
/// round 4 consistency check of the active-adversary variant): it relays signed keys and encrypted shares, collects
/// masked inputs and the survivors' signatures over U3, and unmasks only the sum. An honest server checks the
/// signatures too, so one client's bad entry is refused here rather than aborting every other client. Each <c>Close</c> step
/// ends a protocol round with the clients heard so far (the caller decides when: all answered, or a deadline); a step
/// with fewer than t clients fails the round, and a failed round reveals nothing beyond what its earlier rounds
/// carried (keys and ciphertexts), never a masked input opened.
/// </summary>
public sealed class SecureAggregationServer
{
    private readonly SecureAggregationRound _round;
    private readonly HashSet<int> _sampled;
    private readonly SortedDictionary<int, AdvertisedKeys> _keys = [];
    private readonly SortedDictionary<int, ShareCiphertexts> _shares = [];
    private readonly SortedDictionary<int, ulong[]> _inputs = [];
    private readonly SortedDictionary<int, byte[]> _signatures = [];
    private readonly SortedDictionary<int, UnmaskingShares> _unmasking = [];
    private int[] _survivors = [];

    public SecureAggregationServer(SecureAggregationRound round, IEnumerable<int> sampled)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(sampled);
        _round = round;
        _sampled = [.. sampled];
        if (_sampled.Any(c => c < 0 || c >= SecureAggregationLimits.MaxClients))
        {
            throw new ArgumentOutOfRangeException(nameof(sampled), $"client ids must be in [0, {SecureAggregationLimits.MaxClients})");
        }
    }

    public SecureAggregationPhase Phase { get; private set; } = SecureAggregationPhase.AdvertisingKeys;

    /// <summary>Why the round failed (empty unless <see cref="Phase"/> is Failed).</summary>
    public string FailureReason { get; private set; } = string.Empty;

    /// <summary>The clients whose inputs are in the sum (U3), once the inputs are closed.</summary>
    public IReadOnlyList<int> Survivors => _survivors;

    /// <summary>How many survivors sent their unmasking shares (at least t once the sum is unmasked).</summary>
    public int UnmaskingAnswers => _unmasking.Count;

    /// <summary>The clients the current step still waits for.</summary>
    public IEnumerable<int> Awaited => Phase switch
    {
        SecureAggregationPhase.AdvertisingKeys => _sampled.Except(_keys.Keys).Order(),
        SecureAggregationPhase.SharingKeys => _keys.Keys.Except(_shares.Keys),
        SecureAggregationPhase.CollectingInputs => _shares.Keys.Except(_inputs.Keys),
        SecureAggregationPhase.CheckingConsistency => _survivors.Except(_signatures.Keys),
        SecureAggregationPhase.Unmasking => _signatures.Keys.Except(_unmasking.Keys),
        _ => [],
    };

    public bool TryAcceptKeys(int client, AdvertisedKeys keys, out string reason)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!Expect(SecureAggregationPhase.AdvertisingKeys, client, _sampled.Contains(client), _keys.ContainsKey(client), out reason))
        {
            return false;
        }

        if (!KeyAgreement.TryImportPublic(keys.CipherKey, out var c, out reason) || !KeyAgreement.TryImportPublic(keys.MaskKey, out var s, out reason))
        {
            return false;
        }

        c.Dispose();
        s.Dispose();
        if (!IdentitySignatures.TryVerifyKeys(_round, client, keys, out reason))
        {
            return false;
        }

        _keys[client] = keys;
        return true;
    }

    /// <summary>Ends round 0: the directory of U1 for every client of U1, or the round fails with fewer than t.</summary>
    public bool TryCloseKeys(out KeyDirectory directory, out string reason)
    {
        directory = null!;
        if (!Close(SecureAggregationPhase.AdvertisingKeys, _keys.Count, "advertised keys", out reason))
        {
            return false;
        }

        directory = new KeyDirectory([.. _keys.Select(k => (k.Key, k.Value))]);
        return true;
    }

    /// <summary>Takes a client's encrypted shares; there must be exactly one for every other client of U1.</summary>
    public bool TryAcceptShares(int client, ShareCiphertexts shares, out string reason)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (!Expect(SecureAggregationPhase.SharingKeys, client, _keys.ContainsKey(client), _shares.ContainsKey(client), out reason))
        {
            return false;
        }

        var recipients = shares.Entries.Select(e => e.Peer).ToHashSet();
        if (recipients.Count != _keys.Count - 1 || recipients.Contains(client) || !recipients.IsSubsetOf(_keys.Keys))
        {
            reason = $"client {client} sent shares for {recipients.Count} clients; the round expects one for each of the other {_keys.Count - 1} clients that advertised keys";
            return false;
        }

        _shares[client] = shares;
        return true;
    }

    /// <summary>Ends round 1: for each client v of U2, the ciphertexts addressed to v by the other clients of U2.</summary>
    public bool TryCloseShares(out IReadOnlyDictionary<int, ShareCiphertexts> relay, out string reason)
    {
        relay = null!;
        if (!Close(SecureAggregationPhase.SharingKeys, _shares.Count, "shared keys", out reason))
        {
            return false;
        }

        var perClient = new Dictionary<int, List<(int, byte[])>>();
        foreach (var v in _shares.Keys)
        {
            perClient[v] = [];
        }

        foreach (var (from, shares) in _shares)
        {
            foreach (var (to, ciphertext) in shares.Entries)
            {
                if (perClient.TryGetValue(to, out var list))
                {
                    list.Add((from, ciphertext));
                }
            }
        }

        relay = perClient.ToDictionary(p => p.Key, p => new ShareCiphertexts(p.Value));
        return true;
    }

    public bool TryAcceptMaskedInput(int client, MaskedInput input, out string reason)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!Expect(SecureAggregationPhase.CollectingInputs, client, _shares.ContainsKey(client), _inputs.ContainsKey(client), out reason))
        {
            return false;
        }

        if (input.Values.Length != _round.VectorLength)
        {
            reason = $"masked input of {input.Values.Length} values; the round sums {_round.VectorLength}";
            return false;
        }

        _inputs[client] = input.Values;
        return true;
    }

    /// <summary>Ends round 2: the survivor list U3 for every client of U3 to sign, or the round fails with fewer than t.</summary>
    public bool TryCloseInputs(out SurvivorList survivors, out string reason)
    {
        survivors = null!;
        if (!Close(SecureAggregationPhase.CollectingInputs, _inputs.Count, "sent masked inputs", out reason))
        {
            return false;
        }

        _survivors = [.. _inputs.Keys];
        survivors = new SurvivorList(_survivors);
        return true;
    }

    /// <summary>Round 4: takes a survivor's signature over U3, checked under the identity key it advertised.</summary>
    public bool TryAcceptSurvivorSignature(int client, SurvivorSignature signature, out string reason)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (!Expect(SecureAggregationPhase.CheckingConsistency, client, _inputs.ContainsKey(client), _signatures.ContainsKey(client), out reason))
        {
            return false;
        }

        if (!IdentitySignatures.Verify(_keys[client].IdentityKey, IdentitySignatures.SurvivorsStatement(_round.Context, _survivors), signature.Signature))
        {
            reason = $"client {client}'s signature is not over this round's survivor list";
            return false;
        }

        _signatures[client] = signature.Signature;
        return true;
    }

    /// <summary>Ends round 4: the signatures of at least t survivors, forwarded to every survivor, or the round fails.</summary>
    public bool TryCloseConsistency(out ConsistencyProof proof, out string reason)
    {
        proof = null!;
        if (!Close(SecureAggregationPhase.CheckingConsistency, _signatures.Count, "signed the survivor list", out reason))
        {
            return false;
        }

        proof = new ConsistencyProof([.. _signatures.Select(p => (p.Key, p.Value))]);
        return true;
    }

    /// <summary>
    /// Takes a survivor's unmasking shares: exactly a self-mask-seed share for each survivor and a mask-key share for each
    /// client of U2 that dropped; anything else (both kinds for one client, a missing or extra client) is refused.
    /// </summary>
    public bool TryAcceptUnmasking(int client, UnmaskingShares shares, out string reason)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (!Expect(SecureAggregationPhase.Unmasking, client, _signatures.ContainsKey(client), _unmasking.ContainsKey(client), out reason))
        {
            return false;
        }

        if (shares.Entries.Count != _shares.Count)
        {
            reason = $"client {client} sent {shares.Entries.Count} unmasking shares; the round expects {_shares.Count}";
            return false;
        }

        foreach (var (owner, kind, _) in shares.Entries)
        {
            var expected = _inputs.ContainsKey(owner) ? UnmaskingShareKind.SelfMaskSeed : UnmaskingShareKind.MaskKey;
            if (!_shares.ContainsKey(owner) || kind != expected)
            {
                reason = $"client {client} sent a {kind} share for client {owner}; the round expects {(_shares.ContainsKey(owner) ? expected.ToString() : "none")}";
                return false;
            }
        }

        _unmasking[client] = shares;
        return true;
    }

    /// <summary>
    /// Ends round 3: reconstructs b_v for every survivor and s_v^SK for every dropped client of U2 from the shares of t
    /// survivors, removes the self masks and the dropped clients' pairwise masks, and writes Σ_{u∈U3} x_u into
    /// <paramref name="sum"/>. Fails the round with fewer than t unmasking answers or shares that do not reconstruct.
    /// </summary>
    public bool TryFinish(out ulong[] sum, out string reason)
    {
        sum = null!;
        if (!Close(SecureAggregationPhase.Unmasking, _unmasking.Count, "sent unmasking shares", out reason))
        {
            return false;
        }

        var result = new ulong[_round.VectorLength];
        foreach (var input in _inputs.Values)
        {
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = unchecked(result[i] + input[i]);
            }
        }

        // Any t answers determine every secret; the first t by client id are used.
        var answering = _unmasking.Take(_round.Threshold).ToArray();
        var secret = new byte[MaskExpander.SeedSize];
        foreach (var owner in _shares.Keys)
        {
            var shares = answering.Select(a => new SecretShare(a.Key + 1, a.Value.Entries.First(e => e.Owner == owner).Y)).ToArray();
            if (!ShamirSecretSharing.TryCombine(shares, secret.Length, secret, out reason))
            {
                return Fail($"client {owner}'s secret: {reason}", out reason);
            }

            if (_inputs.ContainsKey(owner))
            {
                MaskExpander.Add(secret, -1, result);
                continue;
            }

            if (!KeyAgreement.TryImportPrivate(secret, _keys[owner].MaskKey, out var dropped, out reason))
            {
                return Fail($"client {owner}: {reason}", out reason);
            }

            using (dropped)
            {
                foreach (var survivor in _survivors)
                {
                    if (!KeyAgreement.TryImportPublic(_keys[survivor].MaskKey, out var theirs, out reason))
                    {
                        return Fail(reason, out reason);
                    }

                    using (theirs)
                    {
                        var seed = KeyAgreement.Agree(dropped, theirs, _round.Context, "pairwise mask", owner, survivor);
                        // The survivor added PairSign(survivor, owner)·PRG(seed); take it out.
                        MaskExpander.Add(seed, -SecureAggregationClient.PairSign(survivor, owner), result);
                        CryptographicOperations.ZeroMemory(seed);
                    }
                }
            }
        }

        CryptographicOperations.ZeroMemory(secret);
        sum = result;
        Phase = SecureAggregationPhase.Done;
        reason = string.Empty;
        return true;
    }

    private bool Expect(SecureAggregationPhase phase, int client, bool eligible, bool repeated, out string reason)
    {
        if (Phase != phase)
        {
            reason = $"the round is {Phase}, not {phase}";
            return false;
        }

        if (!eligible)
        {
            reason = $"client {client} is not expected in {phase}";
            return false;
        }

        if (repeated)
        {
            reason = $"client {client} already answered {phase}";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private bool Close(SecureAggregationPhase phase, int answered, string what, out string reason)
    {
        if (Phase != phase)
        {
            reason = $"the round is {Phase}, not {phase}";
            return false;
        }

        if (answered < _round.Threshold)
        {
            return Fail($"only {answered} clients {what}, fewer than the threshold {_round.Threshold}", out reason);
        }

        Phase = phase + 1;
        reason = string.Empty;
        return true;
    }

    private bool Fail(string why, out string reason)
    {
        Phase = SecureAggregationPhase.Failed;
        FailureReason = why;
        reason = why;
        return false;
    }
}
