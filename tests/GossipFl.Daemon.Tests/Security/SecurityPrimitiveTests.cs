using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Tests.Security;

public sealed class SecurityPrimitiveTests
{
    [Fact]
    public void ReplayWindow_RejectsRepeatsAndTooOld_AcceptsOutOfOrderWithinWindow()
    {
        var window = new ReplayWindow();
        Assert.True(window.Mark(5));
        Assert.False(window.Mark(5));
        Assert.True(window.Mark(3));
        Assert.True(window.Mark(2000));
        Assert.False(window.IsFresh(3));
        Assert.True(window.IsFresh(1999));
        Assert.False(window.IsFresh(2000 - ReplayWindow.WindowSize));
        Assert.True(window.Mark(1990));
        Assert.False(window.Mark(1990));
    }

    [Fact]
    public void ReplayWindow_RandomSequence_NeverAcceptsTheSameNumberTwice()
    {
        var window = new ReplayWindow();
        var accepted = new HashSet<ulong>();
        var random = new Random(3);
        ulong top = 0;
        for (var i = 0; i < 200_000; i++)
        {
            top += (ulong)random.Next(0, 3);
            var candidate = top - (ulong)Math.Min((long)top, random.Next(0, 1100));
            if (window.Mark(candidate))
            {
                Assert.True(accepted.Add(candidate), $"{candidate} accepted twice");
            }
        }
    }

    [Fact]
    public void PacketProtection_SealThenOpen_RoundTrips_AndAnyChangeFailsAuthentication()
    {
        var k1 = WireKey(1);
        var k2 = WireKey(2);
        using var sender = new PacketProtection(k1, k2);
        using var receiver = new PacketProtection(k2, k1);
        var header = new byte[20];
        header[5] = 9;
        var payload = "fragment data"u8.ToArray();
        var tag = new byte[PacketProtection.TagSize];
        sender.Seal(7, header, payload, tag);
        Assert.NotEqual("fragment data"u8.ToArray(), payload);

        var copy = (byte[])payload.Clone();
        Assert.True(receiver.TryOpen(7, header, copy, tag));
        Assert.Equal("fragment data"u8.ToArray(), copy);
        Assert.False(receiver.TryOpen(8, header, (byte[])payload.Clone(), tag));
        header[0] ^= 1;
        Assert.False(receiver.TryOpen(7, header, (byte[])payload.Clone(), tag));
    }

    [Fact]
    public void PacketProtection_OnLinux_CallsLibCryptoDirectly()
    {
        // Debian 12 (and CI) ship OpenSSL 3; if this fails the transport still works, through AesGcm, at about half speed.
        Assert.Equal(OperatingSystem.IsLinux(), PacketProtection.UsesLibCryptoDirectly);
    }

    [Fact]
    public void PacketProtection_DirectLibCryptoAndAesGcm_SealTheSameBytes_AndOpenEachOthersPackets()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(PacketProtection.UsesLibCryptoDirectly, "libcrypto 3 is not callable here");
        var random = new Random(11);
        var k1 = new byte[32];
        var k2 = new byte[32];
        random.NextBytes(k1);
        random.NextBytes(k2);
        using var direct = new PacketProtection(k1, k2, direct: true);
        using var directPeer = new PacketProtection(k2, k1, direct: true);
        using var managed = new PacketProtection(k1, k2, direct: false);
        using var managedPeer = new PacketProtection(k2, k1, direct: false);
        foreach (var length in new[] { 0, 1, 15, 16, 17, 26, 100, 1139, 1411, 1436, 4096, 8131, 65471 })
        {
            var packetNumber = (ulong)random.NextInt64();
            var header = new byte[20];
            random.NextBytes(header);
            var plaintext = new byte[length];
            random.NextBytes(plaintext);

            var byDirect = (byte[])plaintext.Clone();
            var directTag = new byte[PacketProtection.TagSize];
            direct.Seal(packetNumber, header, byDirect, directTag);
            var byManaged = (byte[])plaintext.Clone();
            var managedTag = new byte[PacketProtection.TagSize];
            managed.Seal(packetNumber, header, byManaged, managedTag);
            Assert.Equal(byManaged, byDirect);
            Assert.Equal(managedTag, directTag);

            // Sealing a first part in place and the rest read from elsewhere (as fragments are sent) gives the same bytes.
            foreach (var protection in new[] { direct, managed })
            {
                var inPlace = Math.Min(length, 25);
                var gathered = new byte[length];
                plaintext.AsSpan(0, inPlace).CopyTo(gathered);
                var gatheredTag = new byte[PacketProtection.TagSize];
                protection.Seal(packetNumber, header, gathered, inPlace, plaintext.AsSpan(inPlace), gatheredTag);
                Assert.Equal(byDirect, gathered);
                Assert.Equal(directTag, gatheredTag);
            }

            foreach (var receiver in new[] { directPeer, managedPeer })
            {
                var opened = (byte[])byDirect.Clone();
                Assert.True(receiver.TryOpen(packetNumber, header, opened, directTag), $"{length} B did not open");
                Assert.Equal(plaintext, opened);

                // Any changed bit, in the header, the ciphertext or the tag, or another packet number fails.
                Assert.False(receiver.TryOpen(packetNumber + 1, header, (byte[])byDirect.Clone(), directTag));
                var badHeader = (byte[])header.Clone();
                badHeader[random.Next(header.Length)] ^= (byte)(1 << random.Next(8));
                Assert.False(receiver.TryOpen(packetNumber, badHeader, (byte[])byDirect.Clone(), directTag));
                var badTag = (byte[])directTag.Clone();
                badTag[random.Next(badTag.Length)] ^= (byte)(1 << random.Next(8));
                Assert.False(receiver.TryOpen(packetNumber, header, (byte[])byDirect.Clone(), badTag));
                if (length > 0)
                {
                    var badCiphertext = (byte[])byDirect.Clone();
                    badCiphertext[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    Assert.False(receiver.TryOpen(packetNumber, header, badCiphertext, directTag));
                }

                // A failure leaves the context ready for the next packet.
                opened = (byte[])byDirect.Clone();
                Assert.True(receiver.TryOpen(packetNumber, header, opened, directTag));
                Assert.Equal(plaintext, opened);
            }
        }
    }

    [Fact]
    public void PacketProtection_DirectOpenThatFails_LeavesNoPlaintextBehind()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(PacketProtection.UsesLibCryptoDirectly, "libcrypto 3 is not callable here");
        var key = WireKey(3);
        using var sender = new PacketProtection(key, key, direct: true);
        var header = new byte[20];
        var payload = new byte[300];
        Array.Fill(payload, (byte)0x5A);
        var tag = new byte[PacketProtection.TagSize];
        sender.Seal(1, header, payload, tag);
        tag[3] ^= 0x80;
        Assert.False(sender.TryOpen(1, header, payload, tag));
        Assert.All(payload, b => Assert.Equal(0, b));
    }

    [Fact]
    public void CookieJar_AcceptsItsOwnCookieForTheSameAddressAndNonceOnly()
    {
        var jar = new CookieJar();
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var cookie = new byte[CookieJar.CookieSize];
        jar.Make([1, 2, 3], [4, 5], now, cookie);
        Assert.True(jar.Check([1, 2, 3], [4, 5], cookie, now));
        Assert.False(jar.Check([1, 2, 4], [4, 5], cookie, now));
        Assert.False(jar.Check([1, 2, 3], [4, 6], cookie, now));
    }

    [Fact]
    public void HandshakeCrypto_BothSidesDeriveTheSameKeys_AndAPskChangesThem()
    {
        using var a = HandshakeCrypto.CreateEphemeral(out var pa);
        using var b = HandshakeCrypto.CreateEphemeral(out var pb);
        Assert.True(HandshakeCrypto.TryAgree(a, pb, out var sa));
        Assert.True(HandshakeCrypto.TryAgree(b, pa, out var sb));
        var transcript = HandshakeCrypto.Transcript([1, 2], [3]);
        var ka = HandshakeCrypto.Derive(sa, [], transcript);
        var kb = HandshakeCrypto.Derive(sb, [], transcript);
        Assert.Equal(ka.InitiatorToResponder, kb.InitiatorToResponder);
        Assert.NotEqual(ka.InitiatorToResponder, ka.ResponderToInitiator);
        Assert.NotEqual(ka.InitiatorToResponder, HandshakeCrypto.Derive(sa, new byte[32], transcript).InitiatorToResponder);

        var point = (byte[])pb.Clone();
        point[40] ^= 1;
        Assert.False(HandshakeCrypto.TryAgree(a, point, out _));
    }

    private static byte[] WireKey(byte seed) => Enumerable.Range(0, 32).Select(i => (byte)(i + seed)).ToArray();
}
