using System.Security.Cryptography;
using System.Text;
using GossipFl.Learning.Data;
using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Learning.Tests.SecureAggregation;

/// <summary>
/// In-process runs of the protocol rounds (0-3 and the round 4 consistency check) with N clients, dropouts at each
/// round, hostile messages, and a server that swaps keys or tells clients different survivor lists.
/// </summary>
public sealed partial class SecureAggregationProtocolTests
{
    private const int Dimension = 300;

    private static readonly ECDsa[] IdentityKeys = [.. Enumerable.Range(0, 11).Select(_ => ECDsa.Create(ECCurve.NamedCurves.nistP256))];

    /// <summary>Clients 0..9 are pinned to identity keys 0..9; key 10 is pinned to no one (a stranger's or the server's own).</summary>
    private static readonly Dictionary<int, string> Pins = Enumerable.Range(0, 10)
        .ToDictionary(k => k, k => IdentitySignatures.Fingerprint(IdentityKeys[k].ExportSubjectPublicKeyInfo()));

    [Fact]
    public void Round_WithNoDropouts_UnmasksExactlyTheRingSum_AndDecodesToThePlainWeightedMean()
    {
        var global = RandomVector(new Xoshiro256StarStar(1), Dimension, 1.0);
        var random = new Xoshiro256StarStar(2);
        var counts = new long[] { 600, 1200, 50, 7000, 333, 999 };
        var locals = counts.Select(_ => global.Select(g => g + (float)((random.NextDouble() - 0.5) * 0.2)).ToArray()).ToArray();
        var inputs = locals.Select((l, k) => Encode(l, global, counts[k])).ToArray();

        var run = Run(inputs, threshold: 4);

        Assert.Equal(SecureAggregationPhase.Done, run.Server.Phase);
        Assert.Equal(RingSum(inputs), run.Sum);
        var model = new float[Dimension];
        Assert.True(FixedPointQuantizer.TryDecodeMean(run.Sum!, global, model, out var total, out var reason), reason);
        Assert.Equal(counts.Sum(), total);
        for (var i = 0; i < Dimension; i++)
        {
            var plain = 0.0;
            for (var k = 0; k < counts.Length; k++)
            {
                plain += counts[k] * (double)locals[k][i];
            }

            plain /= total;
            Assert.InRange(Math.Abs(model[i] - plain), 0, FixedPointQuantizer.MeanErrorBound + 1e-6);
        }
    }

    [Fact]
    public void ClientKilledAfterSendingItsMaskedInput_IsRecoveredFromShares_AndTheRoundCompletes()
    {
        var inputs = RandomInputs(7, seed: 3);
        var run = Run(inputs, threshold: 5, dropBeforeUnmasking: [2, 6]);

        Assert.Equal(SecureAggregationPhase.Done, run.Server.Phase);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], run.Server.Survivors);
        Assert.Equal(RingSum(inputs), run.Sum);
    }

    [Fact]
    public void ClientsDroppingAfterSharingKeys_TheirPairwiseMasksAreRemoved_AndTheirInputsLeftOut()
    {
        var inputs = RandomInputs(7, seed: 4);
        var run = Run(inputs, threshold: 5, dropBeforeInput: [0, 5]);

        Assert.Equal(SecureAggregationPhase.Done, run.Server.Phase);
        Assert.Equal([1, 2, 3, 4, 6], run.Server.Survivors);
        Assert.Equal(RingSum(inputs.Where((_, k) => k is not (0 or 5)).ToArray()), run.Sum);
    }

    [Fact]
    public void DropoutsAtEveryRound_StillSumExactlyTheSurvivorsInputs()
    {
        var inputs = RandomInputs(10, seed: 5);
        var run = Run(inputs, threshold: 5, dropBeforeKeys: [9], dropBeforeSharing: [8], dropBeforeInput: [7], dropBeforeUnmasking: [6], dropAfterSigning: [5]);

        Assert.Equal(SecureAggregationPhase.Done, run.Server.Phase);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], run.Server.Survivors);
        Assert.Equal(RingSum(inputs.Take(7).ToArray()), run.Sum);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void FewerSurvivorsThanTheThreshold_FailsTheRoundCleanly_AtEveryRound(int round)
    {
        var inputs = RandomInputs(5, seed: 6);
        int[] dropped = [1, 3];
        var run = Run(
            inputs, threshold: 4,
            dropBeforeKeys: round == 0 ? dropped : [], dropBeforeSharing: round == 1 ? dropped : [],
            dropBeforeInput: round == 2 ? dropped : [], dropBeforeUnmasking: round == 3 ? dropped : [], dropAfterSigning: round == 4 ? dropped : []);

        Assert.Equal(SecureAggregationPhase.Failed, run.Server.Phase);
        Assert.Null(run.Sum);
        Assert.Contains("fewer than the threshold 4", run.Server.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskedInputs_LookUniformInTheRing_AndAreUncorrelatedWithTheTrueInputs()
    {
        // Inputs far from uniform: small weighted changes (most high bytes 0x00 or 0xFF).
        const int d = 4096;
        var global = new float[d];
        var random = new Xoshiro256StarStar(11);
        var counts = new long[] { 100, 200, 300, 400, 500 };
        var inputs = counts.Select(c => Encode(RandomVector(random, d, 0.01), global, c)).ToArray();
        var run = Run(inputs, threshold: 4);
        Assert.Equal(RingSum(inputs), run.Sum);

        foreach (var (client, masked) in run.MaskedInputs)
        {
            // Chi-square of the 8·d bytes over 256 bins (255 degrees of freedom): the 99.99 % quantile is about 347.
            var bins = new long[256];
            foreach (var word in masked)
            {
                for (var b = 0; b < 8; b++)
                {
                    bins[(word >> (8 * b)) & 0xFF]++;
                }
            }

            var expected = d * 8 / 256.0;
            var chiSquare = bins.Sum(o => (o - expected) * (o - expected) / expected);
            Assert.InRange(chiSquare, 150, 347);

            // Pearson correlation between the true and the masked words (as signed 64-bit values), |r| < 4/√d.
            var r = Correlation(inputs[client].Take(d).Select(v => (double)(long)v).ToArray(), masked.Take(d).Select(v => (double)(long)v).ToArray());
            Assert.InRange(Math.Abs(r), 0, 4 / Math.Sqrt(d));

            // The same test on the plain encoding fails: it is what the masks hide.
            var plainBins = new long[256];
            foreach (var word in inputs[client])
            {
                for (var b = 0; b < 8; b++)
                {
                    plainBins[(word >> (8 * b)) & 0xFF]++;
                }
            }

            Assert.True(plainBins.Sum(o => (o - expected) * (o - expected) / expected) > 10_000);
        }
    }

    [Fact]
    public void Client_RefusesATamperedCiphertext_AndADirectoryWithoutItsOwnKeys()
    {
        var round = Round(3);
        using var a = Client(0, round);
        using var b = Client(1, round);
        using var c = Client(2, round);
        var keys = new[] { a.AdvertiseKeys(), b.AdvertiseKeys(), c.AdvertiseKeys() };
        var directory = new KeyDirectory([(0, keys[0]), (1, keys[1]), (2, keys[2])]);

        using (var stranger = Client(0, round))
        {
            stranger.AdvertiseKeys();
            Assert.False(stranger.TryShareKeys(directory, out _, out var why));
            Assert.Contains("own keys", why, StringComparison.Ordinal);
            Assert.Equal(SecureAggregationPhase.Failed, stranger.Phase);
        }

        Assert.True(a.TryShareKeys(directory, out var fromA, out var reason), reason);
        Assert.True(b.TryShareKeys(directory, out var fromB, out reason), reason);
        var forC = new List<(int, byte[])> { (0, fromA.Entries.Single(e => e.Peer == 2).Ciphertext), (1, (byte[])fromB.Entries.Single(e => e.Peer == 2).Ciphertext.Clone()) };
        forC[1].Item2[5] ^= 1;
        Assert.True(c.TryShareKeys(directory, out _, out reason), reason);
        Assert.False(c.TryMaskInput(new ShareCiphertexts(forC), new ulong[Dimension + 1], out _, out reason));
        Assert.Contains("does not open", reason, StringComparison.Ordinal);
        Assert.Equal(SecureAggregationPhase.Failed, c.Phase);

        // A ciphertext sealed for another recipient (a's share for b, relayed to c) does not open either.
        using var c2 = Client(2, round);
        var keys2 = c2.AdvertiseKeys();
        var directory2 = new KeyDirectory([(0, keys[0]), (1, keys[1]), (2, keys2)]);
        Assert.True(c2.TryShareKeys(directory2, out _, out reason), reason);
        var misrouted = new ShareCiphertexts([(0, fromA.Entries.Single(e => e.Peer == 1).Ciphertext), (1, fromB.Entries.Single(e => e.Peer == 2).Ciphertext)]);
        Assert.False(c2.TryMaskInput(misrouted, new ulong[Dimension + 1], out _, out reason));
        Assert.Contains("does not open", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_RefusesASurvivorListBelowTheThresholdOrWithStrangers_AndNeverSendsBothSharesForOneClient()
    {
        var inputs = RandomInputs(6, seed: 8);
        var round = Round(4);
        var clients = Enumerable.Range(0, 6).Select(i => Client(i, round)).ToArray();
        try
        {
            var relay = ShareAll(round, clients);
            foreach (var c in clients)
            {
                Assert.True(c.TryMaskInput(relay[c.Id], inputs[c.Id], out _, out var r), r);
            }

            Assert.False(clients[0].TrySignSurvivors(new SurvivorList([0, 1, 2]), out _, out var reason));
            Assert.Contains("fewer than the threshold", reason, StringComparison.Ordinal);
            Assert.False(clients[1].TrySignSurvivors(new SurvivorList([1, 2, 3, 4, 9]), out _, out reason));
            Assert.Contains("shared no keys", reason, StringComparison.Ordinal);

            var survivors = new SurvivorList([1, 2, 3, 4, 5]);
            var signatures = clients.Skip(2).Select(c => (c.Id, Signature: Sign(c, survivors))).ToArray();
            Assert.False(clients[2].TrySignSurvivors(new SurvivorList([0, 1, 2, 3, 4, 5]), out _, out reason));
            Assert.Equal(SecureAggregationPhase.Failed, clients[2].Phase);
            Assert.True(clients[3].TryUnmask(new ConsistencyProof([.. signatures.Select(s => (s.Id, s.Signature.Signature))]), out var shares3, out reason), reason);
            Assert.Equal(6, shares3.Entries.Count);
            Assert.Single(shares3.Entries, e => e.Kind == UnmaskingShareKind.MaskKey && e.Owner == 0);
            Assert.Equal(5, shares3.Entries.Count(e => e.Kind == UnmaskingShareKind.SelfMaskSeed));
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public void Server_RefusesOutOfTurnRepeatedAndIncompleteMessages_WithAReason()
    {
        var round = Round(2);
        var server = new SecureAggregationServer(round, [0, 1, 2]);
        using var a = Client(0, round);
        using var b = Client(1, round);
        using var stranger = Client(7, round);
        var keysA = a.AdvertiseKeys();
        Assert.True(server.TryAcceptKeys(0, keysA, out _));
        Assert.False(server.TryAcceptKeys(0, keysA, out var reason));
        Assert.Contains("already answered", reason, StringComparison.Ordinal);
        Assert.False(server.TryAcceptKeys(7, stranger.AdvertiseKeys(), out reason));
        Assert.Contains("not expected", reason, StringComparison.Ordinal);
        var offCurve = (byte[])keysA.MaskKey.Clone();
        offCurve[64] ^= 1;
        Assert.False(server.TryAcceptKeys(1, keysA with { MaskKey = offCurve }, out reason));
        Assert.Contains("P-256", reason, StringComparison.Ordinal);
        Assert.False(server.TryAcceptMaskedInput(0, new MaskedInput(new ulong[Dimension + 1]), out reason));
        Assert.Contains("not CollectingInputs", reason, StringComparison.Ordinal);
        Assert.True(server.TryAcceptKeys(1, b.AdvertiseKeys(), out _));
        Assert.True(server.TryCloseKeys(out var directory, out _));
        Assert.True(a.TryShareKeys(directory, out var sharesA, out _));
        Assert.False(server.TryAcceptShares(0, new ShareCiphertexts([]), out reason));
        Assert.Contains("expects one for each", reason, StringComparison.Ordinal);
        Assert.True(server.TryAcceptShares(0, sharesA, out _));
    }

    [Fact]
    public void Server_RefusesUnmaskingThatWouldOpenBothMasksOfAClient_OrLeavesAClientOut()
    {
        var inputs = RandomInputs(4, seed: 12);
        var round = Round(3);
        var clients = Enumerable.Range(0, 4).Select(i => Client(i, round)).ToArray();
        try
        {
            var server = new SecureAggregationServer(round, Enumerable.Range(0, 4));
            foreach (var c in clients)
            {
                Assert.True(server.TryAcceptKeys(c.Id, c.AdvertiseKeys(), out _));
            }

            Assert.True(server.TryCloseKeys(out var directory, out _));
            foreach (var c in clients)
            {
                Assert.True(c.TryShareKeys(directory, out var shares, out _));
                Assert.True(server.TryAcceptShares(c.Id, shares, out _));
            }

            Assert.True(server.TryCloseShares(out var relay, out _));
            foreach (var c in clients.Take(3))
            {
                Assert.True(c.TryMaskInput(relay[c.Id], inputs[c.Id], out var masked, out _));
                Assert.True(server.TryAcceptMaskedInput(c.Id, masked, out _));
            }

            Assert.False(server.TryAcceptMaskedInput(3, new MaskedInput(new ulong[3]), out var reason));
            Assert.Contains("masked input of 3 values; the round sums 301", reason, StringComparison.Ordinal);
            Assert.True(server.TryCloseInputs(out var survivors, out _));
            foreach (var c in clients.Take(3))
            {
                Assert.True(server.TryAcceptSurvivorSignature(c.Id, Sign(c, survivors), out reason), reason);
            }

            Assert.True(server.TryCloseConsistency(out var proof, out _));
            Assert.True(clients[0].TryUnmask(proof, out var honest, out reason), reason);

            // Client 3 dropped after sharing: its mask key may be opened, its self-mask seed never (it sent no input).
            var both = new UnmaskingShares([.. honest.Entries.Select(e => e.Owner == 3 ? (e.Owner, UnmaskingShareKind.SelfMaskSeed, e.Y) : e)]);
            Assert.False(server.TryAcceptUnmasking(0, both, out reason));
            Assert.Contains("SelfMaskSeed share for client 3; the round expects MaskKey", reason, StringComparison.Ordinal);
            var missing = new UnmaskingShares([.. honest.Entries.Where(e => e.Owner != 1)]);
            Assert.False(server.TryAcceptUnmasking(0, missing, out reason));
            Assert.Contains("expects 4", reason, StringComparison.Ordinal);
            Assert.False(server.TryAcceptUnmasking(3, honest, out reason));
            Assert.Contains("not expected", reason, StringComparison.Ordinal);
            Assert.True(server.TryAcceptUnmasking(0, honest, out reason), reason);
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }

    [Fact]
    public void Messages_RoundTripThroughTheirBytes_AndTruncatedOrHostileBytesAreRefused()
    {
        using var client = Client(3, Round(2));
        var keys = client.AdvertiseKeys();
        Assert.True(AdvertisedKeys.TryRead(keys.ToArray(), out var keysBack, out _));
        Assert.Equal(keys.CipherKey, keysBack.CipherKey);
        Assert.False(AdvertisedKeys.TryRead(keys.ToArray().AsSpan(1), out _, out var reason));
        Assert.NotEmpty(reason);

        var directory = new KeyDirectory([(1, keys), (3, keys)]);
        Assert.True(KeyDirectory.TryRead(directory.ToArray(), out var directoryBack, out _));
        Assert.Equal([1, 3], directoryBack.Entries.Select(e => e.Client));
        Assert.False(KeyDirectory.TryRead(new KeyDirectory([(3, keys), (1, keys)]).ToArray(), out _, out reason));
        Assert.Contains("ascend", reason, StringComparison.Ordinal);
        Assert.False(KeyDirectory.TryRead(directory.ToArray().AsSpan(0, 100), out _, out _));

        var ciphertexts = new ShareCiphertexts([(4, RandomNumberGenerator.GetBytes(ShareCiphertexts.CiphertextSize))]);
        Assert.True(ShareCiphertexts.TryRead(ciphertexts.ToArray(), out var ciphertextsBack, out _));
        Assert.Equal(ciphertexts.Entries[0].Ciphertext, ciphertextsBack.Entries[0].Ciphertext);
        var repeated = new ShareCiphertexts([(4, new byte[ShareCiphertexts.CiphertextSize]), (4, new byte[ShareCiphertexts.CiphertextSize])]);
        Assert.False(ShareCiphertexts.TryRead(repeated.ToArray(), out _, out reason));
        Assert.Contains("repeated", reason, StringComparison.Ordinal);

        var masked = new MaskedInput([1, ulong.MaxValue, 42]);
        Assert.True(MaskedInput.TryRead(masked.ToArray(), 3, out var maskedBack, out _));
        Assert.Equal(masked.Values, maskedBack.Values);
        Assert.False(MaskedInput.TryRead(masked.ToArray(), 4, out _, out _));
        Assert.False(MaskedInput.TryRead(masked.ToArray().AsSpan(0, 11), 3, out _, out _));

        Assert.True(SurvivorList.TryRead(new SurvivorList([0, 2, 5]).ToArray(), out var survivors, out _));
        Assert.Equal([0, 2, 5], survivors.Clients);
        Assert.False(SurvivorList.TryRead(new SurvivorList([2, 2]).ToArray(), out _, out _));

        var signature = new SurvivorSignature(RandomNumberGenerator.GetBytes(SurvivorSignature.Size));
        Assert.True(SurvivorSignature.TryRead(signature.ToArray(), out var signatureBack, out _));
        Assert.Equal(signature.Signature, signatureBack.Signature);
        Assert.False(SurvivorSignature.TryRead(signature.ToArray().AsSpan(1), out _, out reason));
        Assert.NotEmpty(reason);
        var proof = new ConsistencyProof([(0, signature.Signature), (5, signature.Signature)]);
        Assert.True(ConsistencyProof.TryRead(proof.ToArray(), out var proofBack, out _));
        Assert.Equal([0, 5], proofBack.Entries.Select(e => e.Client));
        Assert.Equal(signature.Signature, proofBack.Entries[1].Signature);
        Assert.False(ConsistencyProof.TryRead(new ConsistencyProof([(5, signature.Signature), (5, signature.Signature)]).ToArray(), out _, out reason));
        Assert.Contains("ascend", reason, StringComparison.Ordinal);
        Assert.False(ConsistencyProof.TryRead(proof.ToArray().AsSpan(0, 60), out _, out _));

        var share = ShamirSecretSharing.Split(new byte[32], 2, [1, 2])[1];
        var unmasking = new UnmaskingShares([(0, UnmaskingShareKind.SelfMaskSeed, share.Y), (1, UnmaskingShareKind.MaskKey, share.Y)]);
        Assert.True(UnmaskingShares.TryRead(unmasking.ToArray(), out var unmaskingBack, out _));
        Assert.Equal(unmasking.Entries, unmaskingBack.Entries);
        var bytes = unmasking.ToArray();
        bytes[4] = 9;
        Assert.False(UnmaskingShares.TryRead(bytes, out _, out reason));
        Assert.Contains("kind 9", reason, StringComparison.Ordinal);
        var huge = new byte[2 + 69];
        huge[0] = 0xFF;
        huge[1] = 0xFF;
        Assert.False(UnmaskingShares.TryRead(huge, out _, out _));

        // Random bytes of every length up to 300 never throw.
        var random = new Xoshiro256StarStar(9);
        for (var length = 0; length < 300; length++)
        {
            var noise = new byte[length];
            foreach (ref var x in noise.AsSpan())
            {
                x = (byte)random.NextUInt64();
            }

            _ = AdvertisedKeys.TryRead(noise, out _, out _);
            _ = KeyDirectory.TryRead(noise, out _, out _);
            _ = ShareCiphertexts.TryRead(noise, out _, out _);
            _ = MaskedInput.TryRead(noise, 3, out _, out _);
            _ = SurvivorList.TryRead(noise, out _, out _);
            _ = UnmaskingShares.TryRead(noise, out _, out _);
            _ = SurvivorSignature.TryRead(noise, out _, out _);
            _ = ConsistencyProof.TryRead(noise, out _, out _);
        }
    }

    private static SecureAggregationRound Round(int threshold, string context = "test round") =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes(context)), threshold, Dimension + 1, Pins);

    /// <summary>Identity key k belongs to client k; the round pins its fingerprint (as a topology pins a member's).</summary>
    private static SecureAggregationClient Client(int id, SecureAggregationRound round, int? identityOf = null) => new(id, round, Identity(identityOf ?? id));

    private static SigningIdentity Identity(int owner)
    {
        var key = IdentityKeys[owner];
        return new SigningIdentity(key.ExportSubjectPublicKeyInfo(), data => key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    private static SurvivorSignature Sign(SecureAggregationClient client, SurvivorList survivors)
    {
        Assert.True(client.TrySignSurvivors(survivors, out var signature, out var reason), reason);
        return signature;
    }

    /// <summary>Rounds 0 and 1 with an honest server and every client: the shares relayed to each.</summary>
    private static IReadOnlyDictionary<int, ShareCiphertexts> ShareAll(SecureAggregationRound round, SecureAggregationClient[] clients)
    {
        var server = new SecureAggregationServer(round, clients.Select(c => c.Id));
        foreach (var c in clients)
        {
            Assert.True(server.TryAcceptKeys(c.Id, c.AdvertiseKeys(), out var r), r);
        }

        Assert.True(server.TryCloseKeys(out var directory, out _));
        foreach (var c in clients)
        {
            Assert.True(c.TryShareKeys(directory, out var shares, out var r), r);
            Assert.True(server.TryAcceptShares(c.Id, shares, out r), r);
        }

        Assert.True(server.TryCloseShares(out var relay, out _));
        return relay;
    }

    private static ulong[] Encode(float[] local, float[] global, long count)
    {
        var encoded = new ulong[local.Length + 1];
        FixedPointQuantizer.Encode(local, global, count, encoded);
        return encoded;
    }

    private static float[] RandomVector(Xoshiro256StarStar random, int d, double scale) =>
        Enumerable.Range(0, d).Select(_ => (float)(((random.NextDouble() * 2) - 1) * scale)).ToArray();

    private static ulong[][] RandomInputs(int n, ulong seed)
    {
        var random = new Xoshiro256StarStar(seed);
        var global = new float[Dimension];
        return Enumerable.Range(0, n).Select(k => Encode(RandomVector(random, Dimension, 0.5), global, 10 + k)).ToArray();
    }

    private static ulong[] RingSum(ulong[][] inputs)
    {
        var sum = new ulong[inputs[0].Length];
        foreach (var input in inputs)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] = unchecked(sum[i] + input[i]);
            }
        }

        return sum;
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>
    /// Runs the four rounds with the given clients missing from each round on, every message passing through its bytes
    /// as the transport would carry it. Returns the server, the unmasked sum (null on failure) and the masked inputs it saw.
    /// </summary>
    private static (SecureAggregationServer Server, ulong[]? Sum, Dictionary<int, ulong[]> MaskedInputs) Run(
        ulong[][] inputs, int threshold, int[]? dropBeforeKeys = null, int[]? dropBeforeSharing = null, int[]? dropBeforeInput = null, int[]? dropBeforeUnmasking = null,
        int[]? dropAfterSigning = null)
    {
        var n = inputs.Length;
        var round = new SecureAggregationRound(SHA256.HashData("test round"u8), threshold, inputs[0].Length, Pins);
        var clients = Enumerable.Range(0, n).Select(i => Client(i, round)).ToArray();
        var server = new SecureAggregationServer(round, Enumerable.Range(0, n));
        var gone = new HashSet<int>(dropBeforeKeys ?? []);
        var masked = new Dictionary<int, ulong[]>();
        try
        {
            foreach (var c in clients.Where(c => !gone.Contains(c.Id)))
            {
                Assert.True(AdvertisedKeys.TryRead(c.AdvertiseKeys().ToArray(), out var keys, out var r), r);
                Assert.True(server.TryAcceptKeys(c.Id, keys, out r), r);
            }

            if (!server.TryCloseKeys(out var directory, out _))
            {
                return (server, null, masked);
            }

            gone.UnionWith(dropBeforeSharing ?? []);
            Assert.True(KeyDirectory.TryRead(directory.ToArray(), out directory, out var why), why);
            foreach (var c in clients.Where(c => !gone.Contains(c.Id)))
            {
                Assert.True(c.TryShareKeys(directory, out var shares, out var r), r);
                Assert.True(ShareCiphertexts.TryRead(shares.ToArray(), out shares, out r), r);
                Assert.True(server.TryAcceptShares(c.Id, shares, out r), r);
            }

            if (!server.TryCloseShares(out var relay, out _))
            {
                return (server, null, masked);
            }

            gone.UnionWith(dropBeforeInput ?? []);
            foreach (var c in clients.Where(c => !gone.Contains(c.Id)))
            {
                Assert.True(ShareCiphertexts.TryRead(relay[c.Id].ToArray(), out var relayed, out var r), r);
                Assert.True(c.TryMaskInput(relayed, inputs[c.Id], out var input, out r), r);
                Assert.True(MaskedInput.TryRead(input.ToArray(), inputs[0].Length, out input, out r), r);
                Assert.True(server.TryAcceptMaskedInput(c.Id, input, out r), r);
                masked[c.Id] = input.Values;
            }

            if (!server.TryCloseInputs(out var survivors, out _))
            {
                return (server, null, masked);
            }

            gone.UnionWith(dropBeforeUnmasking ?? []);
            Assert.True(SurvivorList.TryRead(survivors.ToArray(), out survivors, out why), why);
            foreach (var c in clients.Where(c => !gone.Contains(c.Id)))
            {
                Assert.True(c.TrySignSurvivors(survivors, out var signature, out var r), r);
                Assert.True(SurvivorSignature.TryRead(signature.ToArray(), out signature, out r), r);
                Assert.True(server.TryAcceptSurvivorSignature(c.Id, signature, out r), r);
            }

            if (!server.TryCloseConsistency(out var proof, out _))
            {
                return (server, null, masked);
            }

            gone.UnionWith(dropAfterSigning ?? []);
            Assert.True(ConsistencyProof.TryRead(proof.ToArray(), out proof, out why), why);
            foreach (var c in clients.Where(c => !gone.Contains(c.Id)))
            {
                Assert.True(c.TryUnmask(proof, out var shares, out var r), r);
                Assert.True(UnmaskingShares.TryRead(shares.ToArray(), out shares, out r), r);
                Assert.True(server.TryAcceptUnmasking(c.Id, shares, out r), r);
            }

            return server.TryFinish(out var sum, out _) ? (server, sum, masked) : (server, null, masked);
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }
}
