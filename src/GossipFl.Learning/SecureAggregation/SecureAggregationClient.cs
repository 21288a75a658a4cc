using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// The client (user) role of one round of secure aggregation, Bonawitz et al., "Practical Secure Aggregation for
/// Privacy-Preserving Machine Learning", CCS 2017, §4, with the two defences of its active-adversary variant: the
/// advertised keys are signed with the client's identity key and checked against the pinned identities, and before
/// unmasking the client signs U3 and needs t matching signatures from U3 (round 4, ConsistencyCheck). Transport-free:
/// each step takes the server's message and returns the client's answer, or refuses with a reason; a refusal fails
/// the client's round, so it sends nothing more in it.
/// </summary>
/// <remarks>
/// Client ids are small non-negative integers (the daemon's member indices); the Shamir point of client u is u + 1.
/// The key pairs are fresh for the round and never the node's identity key, because the server may learn a dropped
/// client's mask key from its shares.
/// </remarks>
public sealed class SecureAggregationClient : IDisposable
{
    private readonly SecureAggregationRound _round;
    private readonly SigningIdentity _identity;
    private readonly ECDiffieHellman _cipherKey = KeyAgreement.Generate();
    private readonly ECDiffieHellman _maskKey = KeyAgreement.Generate();
    private readonly byte[] _selfSeed = RandomNumberGenerator.GetBytes(MaskExpander.SeedSize);
    private readonly Dictionary<int, AdvertisedKeys> _directory = [];
    private readonly Dictionary<int, (BigInteger MaskKey, BigInteger SelfSeed)> _held = [];
    private AdvertisedKeys? _advertised;
    private int[] _sharers = [];
    private int[]? _survivors;

    public SecureAggregationClient(int id, SecureAggregationRound round, SigningIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, SecureAggregationLimits.MaxClients);
        Id = id;
        _round = round;
        _identity = identity;
    }

    public int Id { get; }

    public SecureAggregationPhase Phase { get; private set; } = SecureAggregationPhase.AdvertisingKeys;

    /// <summary>Round 0: the client's fresh public keys c^PK and s^PK, signed with its identity key for this round.</summary>
    public AdvertisedKeys AdvertiseKeys()
    {
        if (Phase != SecureAggregationPhase.AdvertisingKeys)
        {
            throw new InvalidOperationException($"keys are advertised once, in round 0 (the client is {Phase})");
        }

        var cipherKey = KeyAgreement.ExportPublic(_cipherKey);
        var maskKey = KeyAgreement.ExportPublic(_maskKey);
        var signature = _identity.Sign(IdentitySignatures.KeysStatement(_round.Context, Id, cipherKey, maskKey));
        _advertised = new AdvertisedKeys(cipherKey, maskKey, _identity.PublicKey, signature);
        Phase = SecureAggregationPhase.SharingKeys;
        return _advertised;
    }

    /// <summary>
    /// Round 1: given the directory U1, splits s^SK and b into t-of-|U1| shares and encrypts each other client's pair
    /// under the key agreed with its c^PK. Refuses a directory with fewer than t clients, without this client's own
    /// keys, with a key that is not a curve point, or with an entry whose identity key is not the one pinned for its
    /// client or whose signature does not cover its keys in this round (a swapped key).
    /// </summary>
    public bool TryShareKeys(KeyDirectory directory, out ShareCiphertexts outgoing, out string reason)
    {
        ArgumentNullException.ThrowIfNull(directory);
        outgoing = null!;
        if (!InPhase(SecureAggregationPhase.SharingKeys, out reason))
        {
            return false;
        }

        if (directory.Entries.Count < _round.Threshold)
        {
            return Fail($"the key directory lists {directory.Entries.Count} clients, fewer than the threshold {_round.Threshold}", out reason);
        }

        var own = directory.Entries.FirstOrDefault(e => e.Client == Id).Keys;
        if (own is null || !own.ToArray().AsSpan().SequenceEqual(_advertised!.ToArray()))
        {
            return Fail("the key directory does not carry this client's own keys unchanged", out reason);
        }

        var cipherKeys = new Dictionary<int, ECDiffieHellman>();
        try
        {
            foreach (var (client, keys) in directory.Entries)
            {
                if (client == Id)
                {
                    continue;
                }

                if (!IdentitySignatures.TryVerifyKeys(_round, client, keys, out reason))
                {
                    return Fail(reason, out reason);
                }

                if (!KeyAgreement.TryImportPublic(keys.CipherKey, out var cipherKey, out reason)
                    || !KeyAgreement.TryImportPublic(keys.MaskKey, out var maskKey, out reason))
                {
                    return Fail($"client {client}: {reason}", out reason);
                }

                maskKey.Dispose();
                cipherKeys[client] = cipherKey;
                _directory[client] = keys;
            }

            _directory[Id] = own;
            var xs = directory.Entries.Select(e => e.Client + 1).ToArray();
            var maskKeyShares = ShamirSecretSharing.Split(KeyAgreement.ExportPrivate(_maskKey), _round.Threshold, xs);
            var seedShares = ShamirSecretSharing.Split(_selfSeed, _round.Threshold, xs);
            var entries = new List<(int, byte[])>();
            for (var i = 0; i < xs.Length; i++)
            {
                var to = xs[i] - 1;
                if (to == Id)
                {
                    _held[Id] = (maskKeyShares[i].Y, seedShares[i].Y);
                    continue;
                }

                entries.Add((to, Seal(cipherKeys[to], to, maskKeyShares[i].Y, seedShares[i].Y)));
            }

            outgoing = new ShareCiphertexts(entries);
            Phase = SecureAggregationPhase.CollectingInputs;
            reason = string.Empty;
            return true;
        }
        finally
        {
            foreach (var key in cipherKeys.Values)
            {
                key.Dispose();
            }
        }
    }

    /// <summary>
    /// Round 2: given the shares relayed from U2 \ {u}, masks <paramref name="input"/> with the self mask PRG(b) and
    /// one pairwise mask per client of U2 (added toward higher ids, subtracted toward lower ones, so each pair cancels).
    /// Refuses fewer than t − 1 relayed senders, a sender not in the directory, or a ciphertext that does not open.
    /// </summary>
    public bool TryMaskInput(ShareCiphertexts relayed, ReadOnlySpan<ulong> input, out MaskedInput masked, out string reason)
    {
        ArgumentNullException.ThrowIfNull(relayed);
        masked = null!;
        if (!InPhase(SecureAggregationPhase.CollectingInputs, out reason))
        {
            return false;
        }

        if (input.Length != _round.VectorLength)
        {
            throw new ArgumentException($"input has {input.Length} values, the round {_round.VectorLength}", nameof(input));
        }

        if (relayed.Entries.Count + 1 < _round.Threshold)
        {
            return Fail($"shares arrived from {relayed.Entries.Count} other clients; the threshold {_round.Threshold} needs {_round.Threshold - 1}", out reason);
        }

        var opened = new Dictionary<int, (BigInteger, BigInteger)>();
        foreach (var (from, ciphertext) in relayed.Entries)
        {
            if (from == Id || !_directory.TryGetValue(from, out var keys))
            {
                return Fail($"relayed shares from client {from}, which is not another client of the key directory", out reason);
            }

            if (!TryOpen(keys, from, ciphertext, out var pair, out reason))
            {
                return Fail($"client {from}: {reason}", out reason);
            }

            opened[from] = pair;
        }

        foreach (var (from, pair) in opened)
        {
            _held[from] = pair;
        }

        _sharers = [.. opened.Keys.Append(Id).Order()];
        var values = input.ToArray();
        MaskExpander.Add(_selfSeed, +1, values);
        foreach (var v in _sharers)
        {
            if (v == Id)
            {
                continue;
            }

            if (!KeyAgreement.TryImportPublic(_directory[v].MaskKey, out var theirs, out reason))
            {
                return Fail(reason, out reason);
            }

            using (theirs)
            {
                var seed = KeyAgreement.Agree(_maskKey, theirs, _round.Context, "pairwise mask", Id, v);
                MaskExpander.Add(seed, PairSign(Id, v), values);
                CryptographicOperations.ZeroMemory(seed);
            }
        }

        masked = new MaskedInput(values);
        Phase = SecureAggregationPhase.CheckingConsistency;
        return true;
    }

    /// <summary>
    /// Round 4 (ConsistencyCheck), first half: given U3 (the clients whose masked inputs the server holds), signs it with
    /// the identity key. Signs once per round; refuses a list with fewer than t clients, without this client, or naming a
    /// client that did not share keys in round 1.
    /// </summary>
    public bool TrySignSurvivors(SurvivorList survivors, out SurvivorSignature signature, out string reason)
    {
        ArgumentNullException.ThrowIfNull(survivors);
        signature = null!;
        if (!InPhase(SecureAggregationPhase.CheckingConsistency, out reason))
        {
            return false;
        }

        if (_survivors is not null)
        {
            return Fail("a second survivor list in one round", out reason);
        }

        var u3 = survivors.Clients.ToHashSet();
        if (u3.Count < _round.Threshold)
        {
            return Fail($"the survivor list names {u3.Count} clients, fewer than the threshold {_round.Threshold}", out reason);
        }

        if (!u3.Contains(Id) || !u3.IsSubsetOf(_sharers))
        {
            return Fail("the survivor list omits this client or names a client that shared no keys in round 1", out reason);
        }

        _survivors = [.. u3.Order()];
        signature = new SurvivorSignature(_identity.Sign(IdentitySignatures.SurvivorsStatement(_round.Context, _survivors)));
        return true;
    }

    /// <summary>
    /// Round 4, second half, then round 3 (Unmasking): given the signatures the server collected, checks that at least t
    /// distinct clients of U3 signed the same U3 this client signed, each under the identity key it advertised (and that
    /// was checked against its pin); only then sends the share of b_v for every v in U3 and of s_v^SK for every v in
    /// U2 \ U3: never both for one client, so the server can remove either the self mask or the pairwise masks of a
    /// client, not both. Any signature that does not verify, or from outside U3, fails the round: the server lied.
    /// </summary>
    public bool TryUnmask(ConsistencyProof proof, out UnmaskingShares shares, out string reason)
    {
        ArgumentNullException.ThrowIfNull(proof);
        shares = null!;
        if (!InPhase(SecureAggregationPhase.CheckingConsistency, out reason))
        {
            return false;
        }

        if (_survivors is null)
        {
            return Fail("signatures over a survivor list this client was never sent", out reason);
        }

        var statement = IdentitySignatures.SurvivorsStatement(_round.Context, _survivors);
        var signers = new HashSet<int>();
        foreach (var (client, signature) in proof.Entries)
        {
            if (Array.BinarySearch(_survivors, client) < 0)
            {
                return Fail($"the consistency proof carries a signature of client {client}, which is not in the survivor list", out reason);
            }

            if (!signers.Add(client) || !IdentitySignatures.Verify(_directory[client].IdentityKey, statement, signature))
            {
                return Fail($"client {client}'s signature is not over the survivor list this client was sent (the server told clients different lists, or forged it)", out reason);
            }
        }

        if (signers.Count < _round.Threshold)
        {
            return Fail($"only {signers.Count} clients signed the survivor list, fewer than the threshold {_round.Threshold}", out reason);
        }

        var u3 = _survivors.ToHashSet();
        var entries = new List<(int, UnmaskingShareKind, BigInteger)>(_sharers.Length);
        foreach (var v in _sharers)
        {
            var (maskKeyShare, seedShare) = _held[v];
            entries.Add(u3.Contains(v) ? (v, UnmaskingShareKind.SelfMaskSeed, seedShare) : (v, UnmaskingShareKind.MaskKey, maskKeyShare));
        }

        shares = new UnmaskingShares(entries);
        Phase = SecureAggregationPhase.Done;
        return true;
    }

    public void Dispose()
    {
        _cipherKey.Dispose();
        _maskKey.Dispose();
        CryptographicOperations.ZeroMemory(_selfSeed);
    }

    /// <summary>+1 toward a higher id, −1 toward a lower one: p_{u,v} + p_{v,u} = 0.</summary>
    internal static int PairSign(int self, int other) => self < other ? +1 : -1;

    /// <summary>Nonce: the sender's id, so the two directions of one pairwise key never share a nonce (each encrypts once per round).</summary>
    internal static byte[] Nonce(int from)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(nonce, from);
        return nonce;
    }

    internal static byte[] AssociatedData(ReadOnlySpan<byte> context, int from, int to)
    {
        var data = new byte[context.Length + 4];
        context.CopyTo(data);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(context.Length), (ushort)from);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(context.Length + 2), (ushort)to);
        return data;
    }

    private byte[] Seal(ECDiffieHellman recipient, int to, BigInteger maskKeyShare, BigInteger seedShare)
    {
        var plaintext = new byte[ShareCiphertexts.PlaintextSize];
        BinaryPrimitives.WriteUInt16BigEndian(plaintext, (ushort)Id);
        BinaryPrimitives.WriteUInt16BigEndian(plaintext.AsSpan(2), (ushort)to);
        ShamirSecretSharing.WriteElement(maskKeyShare, plaintext.AsSpan(4));
        ShamirSecretSharing.WriteElement(seedShare, plaintext.AsSpan(4 + ShamirSecretSharing.ElementSize));
        var key = KeyAgreement.Agree(_cipherKey, recipient, _round.Context, "share encryption", Id, to);
        var ciphertext = new byte[ShareCiphertexts.CiphertextSize];
        using (var aes = new AesGcm(key, 16))
        {
            aes.Encrypt(Nonce(Id), plaintext, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), AssociatedData(_round.Context, Id, to));
        }

        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(plaintext);
        return ciphertext;
    }

    private bool TryOpen(AdvertisedKeys senderKeys, int from, byte[] ciphertext, out (BigInteger, BigInteger) pair, out string reason)
    {
        pair = default;
        if (!KeyAgreement.TryImportPublic(senderKeys.CipherKey, out var sender, out reason))
        {
            return false;
        }

        var plaintext = new byte[ShareCiphertexts.PlaintextSize];
        using (sender)
        {
            var key = KeyAgreement.Agree(_cipherKey, sender, _round.Context, "share encryption", from, Id);
            using var aes = new AesGcm(key, 16);
            try
            {
                aes.Decrypt(Nonce(from), ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), plaintext, AssociatedData(_round.Context, from, Id));
            }
            catch (AuthenticationTagMismatchException)
            {
                reason = "share ciphertext does not open (tampered, or sealed for another client or round)";
                return false;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(plaintext) != from || BinaryPrimitives.ReadUInt16BigEndian(plaintext.AsSpan(2)) != Id
            || !ShamirSecretSharing.TryReadElement(plaintext.AsSpan(4), out var maskKeyShare)
            || !ShamirSecretSharing.TryReadElement(plaintext.AsSpan(4 + ShamirSecretSharing.ElementSize), out var seedShare))
        {
            reason = "share plaintext names other clients or holds a value outside the field";
            return false;
        }

        pair = (maskKeyShare, seedShare);
        reason = string.Empty;
        return true;
    }

    private bool InPhase(SecureAggregationPhase expected, out string reason)
    {
        if (Phase == expected)
        {
            reason = string.Empty;
            return true;
        }

        reason = $"the client is {Phase}, not {expected}";
        return false;
    }

    private bool Fail(string why, out string reason)
    {
        Phase = SecureAggregationPhase.Failed;
        reason = why;
        return false;
    }
}
