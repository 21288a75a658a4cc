using System.Security.Cryptography;

namespace GossipFl.Daemon.Security;

/// <summary>
/// Stateless handshake cookies (the idea of DTLS HelloVerifyRequest and WireGuard's cookie reply): under load, a
/// responder answers an initiation with a MAC over the sender's address and nonce instead of doing any work or
/// keeping any state. Only an initiator that really receives at that address can repeat the initiation with it.
/// The secret changes every two minutes; a cookie from the previous secret is still accepted.
/// </summary>
public sealed class CookieJar
{
    public const int CookieSize = 16;
    private static readonly TimeSpan Rotation = TimeSpan.FromMinutes(2);

    private byte[] _current = RandomNumberGenerator.GetBytes(32);
    private byte[] _previous = RandomNumberGenerator.GetBytes(32);
    private long _rotatedAt;

    public void Make(ReadOnlySpan<byte> address, ReadOnlySpan<byte> nonce, long nowTimestamp, Span<byte> cookie)
    {
        Rotate(nowTimestamp);
        Mac(_current, address, nonce, cookie);
    }

    public bool Check(ReadOnlySpan<byte> address, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> cookie, long nowTimestamp)
    {
        Rotate(nowTimestamp);
        if (cookie.Length != CookieSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[CookieSize];
        Mac(_current, address, nonce, expected);
        if (CryptographicOperations.FixedTimeEquals(expected, cookie))
        {
            return true;
        }

        Mac(_previous, address, nonce, expected);
        return CryptographicOperations.FixedTimeEquals(expected, cookie);
    }

    private static void Mac(byte[] secret, ReadOnlySpan<byte> address, ReadOnlySpan<byte> nonce, Span<byte> cookie)
    {
        Span<byte> input = stackalloc byte[address.Length + nonce.Length];
        address.CopyTo(input);
        nonce.CopyTo(input[address.Length..]);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, input, mac);
        mac[..CookieSize].CopyTo(cookie);
    }

    private void Rotate(long nowTimestamp)
    {
        if (_rotatedAt == 0)
        {
            _rotatedAt = nowTimestamp;
        }
        else if (System.Diagnostics.Stopwatch.GetElapsedTime(_rotatedAt, nowTimestamp) > Rotation)
        {
            _previous = _current;
            _current = RandomNumberGenerator.GetBytes(32);
            _rotatedAt = nowTimestamp;
        }
    }
}
