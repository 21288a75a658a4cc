using GossipFl.Learning.SecureAggregation;

namespace GossipFl.Learning.Tests.SecureAggregation;

/// <summary>
/// A server that does not follow the protocol (Bonawitz et al. §4, active adversary): it swaps a client's key in the
/// directory, relays keys signed for another round or by the wrong identity, or tells two groups of clients different
/// survivor lists. Each time the honest clients refuse before anything they send could open a mask.
/// </summary>
public sealed partial class SecureAggregationProtocolTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ServerSwappingOneClientsKeyInTheDirectory_EveryHonestClientAborts_AndNothingIsUnmasked(bool resignedByServer)
    {
        var round = Round(4);
        var clients = Enumerable.Range(0, 5).Select(i => Client(i, round)).ToArray();
        try
        {
            var server = new SecureAggregationServer(round, Enumerable.Range(0, 5));
            foreach (var c in clients)
            {
                Assert.True(server.TryAcceptKeys(c.Id, c.AdvertiseKeys(), out var r), r);
            }

            Assert.True(server.TryCloseKeys(out var directory, out _));

            // The server puts its own c^PK in place of client 3's, so that it could open the shares sealed for 3: either
            // keeping 3's signature, or signing the swap with its own identity key (key 10, pinned to no member).
            using var serverKey = KeyAgreement.Generate();
            var victim = directory.Entries.Single(e => e.Client == 3).Keys;
            var swappedKey = KeyAgreement.ExportPublic(serverKey);
            var swapped = resignedByServer
                ? victim with
                {
                    CipherKey = swappedKey,
                    IdentityKey = Identity(10).PublicKey,
                    Signature = Identity(10).Sign(IdentitySignatures.KeysStatement(round.Context, 3, swappedKey, victim.MaskKey)),
                }
                : victim with { CipherKey = swappedKey };
            var forged = new KeyDirectory([.. directory.Entries.Select(e => e.Client == 3 ? (e.Client, swapped) : e)]);

            foreach (var c in clients)
            {
                Assert.False(c.TryShareKeys(forged, out _, out var reason));
                Assert.Equal(SecureAggregationPhase.Failed, c.Phase);
                Assert.Contains(c.Id == 3 ? "own keys" : resignedByServer ? "client 3 presents identity key" : "client 3's signature does not cover these keys", reason, StringComparison.Ordinal);
            }

            // No client sent a share, so there is nothing to relay, let alone unmask.
            Assert.False(server.TryCloseShares(out _, out var why));
            Assert.Contains("only 0 clients shared keys", why, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("forged signature", "signature does not cover")]
    [InlineData("signed for another round", "signature does not cover")]
    [InlineData("signed for another term", "signature does not cover")]
    [InlineData("identity pinned to no member", "presents identity key")]
    [InlineData("another member's identity", "presents identity key")]
    public void KeysWithABadSignatureOrIdentity_AreRefused_ByTheServerAndByEveryClient(string flaw, string expected)
    {
        var round = Round(2, "term 4 round 7 attempt 0");
        using var honest = Client(0, round);
        using var other = flaw switch
        {
            "signed for another round" => Client(1, Round(2, "term 4 round 8 attempt 0")),
            "signed for another term" => Client(1, Round(2, "term 5 round 7 attempt 0")),
            "identity pinned to no member" => Client(1, round, identityOf: 10),
            "another member's identity" => Client(1, round, identityOf: 2),
            _ => Client(1, round),
        };
        var keys = other.AdvertiseKeys();
        if (flaw == "forged signature")
        {
            var signature = (byte[])keys.Signature.Clone();
            signature[10] ^= 0x40;
            keys = keys with { Signature = signature };
        }

        var server = new SecureAggregationServer(round, [0, 1]);
        Assert.False(server.TryAcceptKeys(1, keys, out var reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
        Assert.Contains("client 1", reason, StringComparison.Ordinal);

        // A server that relays the entry anyway: the honest client refuses it.
        var directory = new KeyDirectory([(0, honest.AdvertiseKeys()), (1, keys)]);
        Assert.False(honest.TryShareKeys(directory, out _, out reason));
        Assert.Contains(expected, reason, StringComparison.Ordinal);
        Assert.Contains("client 1", reason, StringComparison.Ordinal);
        Assert.Equal(SecureAggregationPhase.Failed, honest.Phase);
    }

    [Fact]
    public void KeysOfAClientWithoutAPin_AreRefused()
    {
        var unpinned = new SecureAggregationRound(Round(2).Context, 2, Dimension + 1, Pins.Where(p => p.Key != 1).ToDictionary());
        using var a = Client(0, unpinned);
        using var b = Client(1, unpinned);
        var server = new SecureAggregationServer(unpinned, [0, 1]);
        Assert.False(server.TryAcceptKeys(1, b.AdvertiseKeys(), out var reason));
        Assert.Contains("client 1 has no pinned identity", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ServerTellingTwoHalvesDifferentSurvivorLists_NoClientSendsAnUnmaskingShare(bool forwardsEverySignature)
    {
        // n = 6, t = 5. Clients 0-2 are told U3 = {0..4} (5 "dropped"), clients 3-5 that U3 = {1..5} (0 "dropped"): were
        // both halves to answer, the server would get b-shares and s^SK-shares of 0 and 5 from different clients.
        var inputs = RandomInputs(6, seed: 21);
        var round = Round(5);
        var clients = Enumerable.Range(0, 6).Select(i => Client(i, round)).ToArray();
        try
        {
            var relay = ShareAll(round, clients);
            foreach (var c in clients)
            {
                Assert.True(c.TryMaskInput(relay[c.Id], inputs[c.Id], out _, out var r), r);
            }

            var listA = new SurvivorList([0, 1, 2, 3, 4]);
            var listB = new SurvivorList([1, 2, 3, 4, 5]);
            var signatures = clients.ToDictionary(c => c.Id, c => Sign(c, c.Id < 3 ? listA : listB).Signature);
            foreach (var c in clients)
            {
                // Every signature the server holds, or only those of the client's own half (3, below t).
                var proof = new ConsistencyProof([.. signatures
                    .Where(s => forwardsEverySignature || (s.Key < 3) == (c.Id < 3))
                    .Where(s => (c.Id < 3 ? listA : listB).Clients.Contains(s.Key))
                    .Select(s => (s.Key, s.Value))]);
                Assert.False(c.TryUnmask(proof, out _, out var reason));
                Assert.Equal(SecureAggregationPhase.Failed, c.Phase);
                Assert.Contains(forwardsEverySignature ? "is not over the survivor list this client was sent" : "fewer than the threshold 5", reason, StringComparison.Ordinal);
            }
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
    public void AConsistencyProofWithASignatureFromOutsideTheSurvivors_OrRepeatedSigners_IsRefused()
    {
        var inputs = RandomInputs(4, seed: 22);
        var round = Round(3);
        var clients = Enumerable.Range(0, 4).Select(i => Client(i, round)).ToArray();
        try
        {
            var relay = ShareAll(round, clients);
            foreach (var c in clients)
            {
                Assert.True(c.TryMaskInput(relay[c.Id], inputs[c.Id], out _, out var r), r);
            }

            var survivors = new SurvivorList([0, 1, 2]);
            var signatures = clients.Take(3).Select(c => (c.Id, Sign(c, survivors).Signature)).ToList();
            var repeated = new ConsistencyProof([signatures[0], signatures[1], signatures[1]]);
            Assert.False(clients[0].TryUnmask(repeated, out _, out var reason));
            Assert.Contains("client 1's signature is not over", reason, StringComparison.Ordinal);

            var stranger = new ConsistencyProof([signatures[1], signatures[2], (3, signatures[2].Signature)]);
            Assert.False(clients[1].TryUnmask(stranger, out _, out reason));
            Assert.Contains("client 3, which is not in the survivor list", reason, StringComparison.Ordinal);

            Assert.True(clients[2].TryUnmask(new ConsistencyProof(signatures), out var shares, out reason), reason);
            Assert.Single(shares.Entries, e => e.Owner == 3 && e.Kind == UnmaskingShareKind.MaskKey);
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
