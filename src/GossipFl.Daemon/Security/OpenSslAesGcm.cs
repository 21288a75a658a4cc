using System.Security.Cryptography;

namespace GossipFl.Daemon.Security;

/// <summary>
/// AES-256-GCM with 12-byte nonces and 16-byte tags for one direction of a session, on one OpenSSL cipher context that
/// keeps its key schedule for the session's life: each packet costs one IV set-up, the associated data, the
/// payload, the final step and the tag, with nothing else around them. The same calls, in the same order, as .NET's
/// <see cref="AesGcm"/> makes on Linux, so the ciphertexts and tags are the same bytes (<see cref="IsSupported"/>
/// checks exactly that before anyone uses it). Not thread-safe: one engine thread owns it.
/// </summary>
internal sealed unsafe class OpenSslAesGcm : IDisposable
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    private static readonly Lazy<bool> Supported = new(Probe);

    private readonly SafeCipherContextHandle _handle;
    private readonly nint _context;
    private readonly int _encrypt;

    public OpenSslAesGcm(ReadOnlySpan<byte> key, bool encrypt)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"AES-256 takes a {KeySize}-byte key", nameof(key));
        }

        _encrypt = encrypt ? 1 : 0;
        _handle = LibCrypto.EVP_CIPHER_CTX_new();
        if (_handle.IsInvalid)
        {
            _handle.Dispose();
            throw new CryptographicException("EVP_CIPHER_CTX_new failed");
        }

        // Released in Dispose: until then the context cannot be freed under a call (see LibCrypto).
        var added = false;
        _handle.DangerousAddRef(ref added);
        _context = _handle.DangerousGetHandle();
        fixed (byte* k = key)
        {
            if (LibCrypto.EVP_CipherInit_ex(_context, LibCrypto.EVP_aes_256_gcm(), 0, k, null, _encrypt) != 1)
            {
                LibCrypto.ERR_clear_error();
                Dispose();
                throw new CryptographicException("EVP_CipherInit_ex (AES-256-GCM key) failed");
            }
        }
    }

    /// <summary>
    /// Whether libcrypto can be called directly here: it loads, and it seals and opens a known message to the same
    /// bytes as <see cref="AesGcm"/> and refuses a changed tag. Checked once per process; where it fails (another
    /// OpenSSL, another platform), packets are protected with <see cref="AesGcm"/> instead, with the same result on
    /// the wire.
    /// </summary>
    public static bool IsSupported => Supported.Value;

    /// <summary>
    /// Encrypts the plaintext <paramref name="payload"/>[..<paramref name="inPlace"/>] ‖ <paramref name="rest"/> into
    /// <paramref name="payload"/> and writes the tag: the first part is encrypted in place, the rest straight from
    /// where it lies (a message's buffer), so the sender does not copy it into the datagram first.
    /// <paramref name="rest"/> must not overlap <paramref name="payload"/>.
    /// </summary>
    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> payload, int inPlace, ReadOnlySpan<byte> rest, Span<byte> tag)
    {
        Check(nonce, tag);
        if ((uint)inPlace > (uint)payload.Length || payload.Length - inPlace != rest.Length || payload.Overlaps(rest))
        {
            throw new ArgumentException("the rest of the plaintext must fill the payload after its first part, elsewhere in memory");
        }

        fixed (byte* n = nonce)
        fixed (byte* a = associatedData)
        fixed (byte* p = payload)
        fixed (byte* r = rest)
        fixed (byte* t = tag)
        {
            if (LibCrypto.EVP_CipherInit_ex(_context, 0, 0, null, n, 1) != 1
                || !Update(a, associatedData.Length, null)
                || !Update(p, inPlace, p)
                || !Update(r, rest.Length, p + inPlace)
                || !Finish(p + payload.Length)
                || LibCrypto.EVP_CIPHER_CTX_ctrl(_context, LibCrypto.CtrlAeadGetTag, TagSize, t) != 1)
            {
                LibCrypto.ERR_clear_error();
                throw new CryptographicException("AES-GCM encryption failed in libcrypto");
            }
        }
    }

    /// <summary>
    /// Decrypts <paramref name="payload"/> in place; false, with the payload zeroed, if the tag does not verify (a
    /// forged, corrupted or misdirected packet).
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> payload, ReadOnlySpan<byte> tag)
    {
        Check(nonce, tag);
        fixed (byte* n = nonce)
        fixed (byte* a = associatedData)
        fixed (byte* p = payload)
        fixed (byte* t = tag)
        {
            // SET_TAG only copies the tag in; the pointer is not written through.
            if (LibCrypto.EVP_CipherInit_ex(_context, 0, 0, null, n, 0) != 1
                || LibCrypto.EVP_CIPHER_CTX_ctrl(_context, LibCrypto.CtrlAeadSetTag, TagSize, t) != 1
                || !Update(a, associatedData.Length, null)
                || !Update(p, payload.Length, p))
            {
                LibCrypto.ERR_clear_error();
                throw new CryptographicException("AES-GCM decryption failed in libcrypto");
            }

            if (!Finish(p + payload.Length))
            {
                // The tag did not verify: nothing of the plaintext may be used, and OpenSSL may have queued an error.
                LibCrypto.ERR_clear_error();
                payload.Clear();
                return false;
            }

            return true;
        }
    }

    public void Dispose()
    {
        if (!_handle.IsClosed)
        {
            _handle.DangerousRelease();
            _handle.Dispose();
        }
    }

    /// <summary>Ends the message (GCM writes nothing more); when decrypting, false if the tag did not verify.</summary>
    private bool Finish(byte* end) => LibCrypto.EVP_CipherFinal_ex(_context, end, out var tail) == 1 && tail == 0;

    /// <summary>Feeds associated data (null <paramref name="output"/>) or payload; GCM turns all of it out at once.</summary>
    private bool Update(byte* input, int length, byte* output)
    {
        if (length == 0)
        {
            return true;
        }

        return LibCrypto.EVP_CipherUpdate(_context, output, out var written, input, length) == 1
            && (output == null || written == length);
    }

    private static void Check(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> tag)
    {
        if (nonce.Length != NonceSize || tag.Length != TagSize)
        {
            throw new ArgumentException($"AES-GCM here takes a {NonceSize}-byte nonce and a {TagSize}-byte tag");
        }
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            Span<byte> key = stackalloc byte[KeySize];
            Span<byte> nonce = stackalloc byte[NonceSize];
            Span<byte> header = stackalloc byte[20];
            var plaintext = new byte[1200];
            for (var i = 0; i < plaintext.Length; i++)
            {
                plaintext[i] = (byte)(i * 7);
            }

            for (var i = 0; i < key.Length; i++)
            {
                key[i] = (byte)(i + 1);
            }

            nonce[^1] = 5;
            header[3] = 9;
            var expected = new byte[plaintext.Length];
            Span<byte> expectedTag = stackalloc byte[TagSize];
            using (var reference = new AesGcm(key, TagSize))
            {
                reference.Encrypt(nonce, plaintext, expected, expectedTag, header);
            }

            // As the sender seals a fragment: its frame header in place, the data read from the message.
            var sealedBytes = new byte[plaintext.Length];
            plaintext.AsSpan(0, 25).CopyTo(sealedBytes);
            Span<byte> tag = stackalloc byte[TagSize];
            using var seal = new OpenSslAesGcm(key, encrypt: true);
            using var open = new OpenSslAesGcm(key, encrypt: false);
            seal.Seal(nonce, header, sealedBytes, 25, plaintext.AsSpan(25), tag);
            if (!sealedBytes.AsSpan().SequenceEqual(expected) || !tag.SequenceEqual(expectedTag))
            {
                return false;
            }

            var opened = (byte[])sealedBytes.Clone();
            if (!open.TryOpen(nonce, header, opened, tag) || !opened.AsSpan().SequenceEqual(plaintext))
            {
                return false;
            }

            tag[0] ^= 1;
            return !open.TryOpen(nonce, header, (byte[])sealedBytes.Clone(), tag);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or CryptographicException)
        {
            // No usable libcrypto 3 here: PacketProtection uses AesGcm.
            return false;
        }
    }
}
