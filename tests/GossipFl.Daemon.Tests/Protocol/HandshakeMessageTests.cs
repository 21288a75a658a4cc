using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Protocol;

public sealed class HandshakeMessageTests
{
    private static HandshakeInitiation Initiation(byte[] cookie) => new(
        1, 1, AuthMode.Identity, 11, 22, WireTestData.Bytes(32, 1), [0x04, .. WireTestData.Bytes(64, 2)], "alpha", "βeta", cookie);

    [Fact]
    public void Initiation_RoundTrip_PreservesFieldsAndPadsToTheMinimum()
    {
        foreach (var cookie in new[] { Array.Empty<byte>(), WireTestData.Bytes(16, 9) })
        {
            var message = Initiation(cookie);
            var bytes = new byte[message.Length];
            message.WriteTo(bytes);
            Assert.Equal(HandshakeInitiation.MinimumDatagramSize, PacketHeader.Size + bytes.Length);

            Assert.True(HandshakeInitiation.TryRead(bytes, out var read));
            Assert.Equal((message.MinVersion, message.MaxVersion, message.Mode, message.SenderConnectionId, message.SenderInstance, message.SenderName, message.TargetName),
                (read!.MinVersion, read.MaxVersion, read.Mode, read.SenderConnectionId, read.SenderInstance, read.SenderName, read.TargetName));
            Assert.Equal(message.Nonce, read.Nonce);
            Assert.Equal(message.EphemeralKey, read.EphemeralKey);
            Assert.Equal(cookie, read.Cookie);
        }
    }

    [Fact]
    public void Initiation_TruncatedOrCorrupted_FailsWithoutThrowing()
    {
        var message = Initiation([]);
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(HandshakeInitiation.TryRead(t, out _)));
        bytes[2] = 9;
        Assert.False(HandshakeInitiation.TryRead(bytes, out _));
        foreach (var corrupted in WireTestData.Corruptions(bytes, 2000, 3))
        {
            HandshakeInitiation.TryRead(corrupted, out _);
        }
    }

    [Fact]
    public void Initiation_InvalidUtf8Name_Fails()
    {
        var message = Initiation([]);
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        bytes[118] = 0xFF;
        Assert.False(HandshakeInitiation.TryRead(bytes, out _));
    }

    [Fact]
    public void Response_RoundTrip_AndTruncations()
    {
        var message = new HandshakeResponse(1, AuthMode.PreSharedKey, 5, 6, WireTestData.Bytes(32, 4), [0x04, .. WireTestData.Bytes(64, 5)], "beta", WireTestData.Bytes(40, 6));
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        Assert.True(HandshakeResponse.TryRead(bytes, out var read));
        Assert.Equal((message.Version, message.Mode, message.SenderConnectionId, message.SenderInstance, message.SenderName),
            (read!.Version, read.Mode, read.SenderConnectionId, read.SenderInstance, read.SenderName));
        Assert.Equal(message.SealedProof, read.SealedProof);
        Assert.Equal(message.Nonce, read.Nonce);
        Assert.Equal(message.UnsealedLength + 40, bytes.Length);
        foreach (var truncated in WireTestData.Truncations(bytes))
        {
            // Shorter sealed proofs still parse while a tag's worth remains; below that, nothing does.
            if (truncated.Length < message.UnsealedLength + HandshakeResponse.TagSize)
            {
                Assert.False(HandshakeResponse.TryRead(truncated, out _));
            }
        }

        foreach (var corrupted in WireTestData.Corruptions(bytes, 2000, 4))
        {
            HandshakeResponse.TryRead(corrupted, out _);
        }
    }

    [Fact]
    public void Confirm_RoundTrip_AndTooShort()
    {
        var message = new HandshakeConfirm(WireTestData.Bytes(30, 7));
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        Assert.True(HandshakeConfirm.TryRead(bytes, out var read));
        Assert.Equal(message.SealedProof, read!.SealedProof);
        Assert.False(HandshakeConfirm.TryRead(bytes.AsSpan(0, 15), out _));
    }

    [Fact]
    public void Proof_RoundTrip_AndTruncationsAndCorruptions()
    {
        var message = new HandshakeProof(WireTestData.Bytes(91, 8), WireTestData.Bytes(64, 9));
        var bytes = new byte[message.Length];
        message.WriteTo(bytes);
        Assert.True(HandshakeProof.TryRead(bytes, out var read));
        Assert.Equal(message.PublicKey, read!.PublicKey);
        Assert.Equal(message.Signature, read.Signature);
        Assert.All(WireTestData.Truncations(bytes), t => Assert.False(HandshakeProof.TryRead(t, out _)));
        foreach (var corrupted in WireTestData.Corruptions(bytes, 500, 5))
        {
            HandshakeProof.TryRead(corrupted, out _);
        }
    }

    [Fact]
    public void WireNames_LimitsAndRoundTrip()
    {
        Assert.False(WireNames.IsValid(""));
        Assert.False(WireNames.IsValid(new string('x', 64)));
        Assert.True(WireNames.IsValid(new string('x', 63)));
        var bytes = new byte[64];
        var written = WireNames.Write(bytes, "nœud");
        Assert.True(WireNames.TryRead(bytes, out var name, out var consumed));
        Assert.Equal(("nœud", written), (name, consumed));
        Assert.False(WireNames.TryRead(bytes.AsSpan(0, written - 1), out _, out _));
    }
}
