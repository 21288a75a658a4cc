using System.Buffers.Binary;
using System.Security.Cryptography;

namespace GossipFl.Daemon.Security;

/// <summary>
/// AES-256-GCM protection of data packets for one session, one key per direction. The 96-bit nonce is four zero
/// bytes then the 64-bit packet number, big-endian: packet numbers never repeat within a session and direction,
/// so a nonce is never reused under a key. The packet header is the associated data.
/// Where libcrypto 3 can be called directly (<see cref="OpenSslAesGcm.IsSupported"/>) it is, which costs about half
/// as much per packet as <see cref="AesGcm"/>; otherwise <see cref="AesGcm"/> does it. Both give the same bytes.
/// Not thread-safe: one engine thread owns it.
/// </summary>
public sealed class PacketProtection : IDisposable
{
    public const int KeySize = 32;
    public const int TagSize = 16;
    public const int NonceSize = 12;

    private readonly OpenSslAesGcm? _directSeal;
    private readonly OpenSslAesGcm? _directOpen;
    private readonly AesGcm? _seal;
    private readonly AesGcm? _open;

    public PacketProtection(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey)
        : this(sendKey, receiveKey, OpenSslAesGcm.IsSupported)
    {
    }

    /// <summary>With <paramref name="direct"/> false, always <see cref="AesGcm"/> (for tests comparing the two).</summary>
    internal PacketProtection(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, bool direct)
    {
        if (direct)
        {
            _directSeal = new OpenSslAesGcm(sendKey, encrypt: true);
            _directOpen = new OpenSslAesGcm(receiveKey, encrypt: false);
        }
        else
        {
            _seal = new AesGcm(sendKey, TagSize);
            _open = new AesGcm(receiveKey, TagSize);
        }
    }

    /// <summary>Whether this process seals packets with direct libcrypto calls (for logs and benchmarks).</summary>
    public static bool UsesLibCryptoDirectly => OpenSslAesGcm.IsSupported;

    /// <summary>Encrypts <paramref name="payload"/> in place and writes the tag.</summary>
    public void Seal(ulong packetNumber, ReadOnlySpan<byte> header, Span<byte> payload, Span<byte> tag) =>
        Seal(packetNumber, header, payload, payload.Length, [], tag);

    /// <summary>
    /// Encrypts the plaintext <paramref name="payload"/>[..<paramref name="inPlace"/>] ‖ <paramref name="rest"/> into
    /// <paramref name="payload"/> and writes the tag; <paramref name="rest"/> (elsewhere in memory) is read where it
    /// lies rather than copied into the packet first. The same bytes as copying it there and sealing in place.
    /// </summary>
    public void Seal(ulong packetNumber, ReadOnlySpan<byte> header, Span<byte> payload, int inPlace, ReadOnlySpan<byte> rest, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        MakeNonce(packetNumber, nonce);
        if (_directSeal is { } direct)
        {
            direct.Seal(nonce, header, payload, inPlace, rest, tag);
        }
        else
        {
            rest.CopyTo(payload[inPlace..]);
            _seal!.Encrypt(nonce, payload, payload, tag, header);
        }
    }

    /// <summary>Decrypts <paramref name="payload"/> in place; false if the tag does not verify.</summary>
    public bool TryOpen(ulong packetNumber, ReadOnlySpan<byte> header, Span<byte> payload, ReadOnlySpan<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        MakeNonce(packetNumber, nonce);
        if (_directOpen is { } direct)
        {
            return direct.TryOpen(nonce, header, payload, tag);
        }

        try
        {
            _open!.Decrypt(nonce, payload, tag, payload, header);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // Forged, corrupted or for another key: the caller counts it as unauthenticated. The exception is the
            // only signal AesGcm gives; its cost is paid by the attacker's packets, not by valid traffic.
            return false;
        }
    }

    public void Dispose()
    {
        _directSeal?.Dispose();
        _directOpen?.Dispose();
        _seal?.Dispose();
        _open?.Dispose();
    }

    private static void MakeNonce(ulong packetNumber, Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], packetNumber);
        nonce[..4].Clear();
    }
}
