using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Security;

/// <summary>
/// The few functions of OpenSSL's libcrypto (3.x, the library .NET itself uses on Linux) that seal and open data
/// packets with AES-256-GCM, one declaration per function. Called directly rather than through
/// <see cref="System.Security.Cryptography.AesGcm"/>, whose native layer clears OpenSSL's thread error queue before
/// each of its five calls per packet: with 1472-byte datagrams that clearing and its frees took more of the engine
/// thread than the encryption itself (docs/benchmarks.md, "Transport"). Buffers are passed as pointers from
/// <c>fixed</c> blocks, so nothing is copied. The context is a <see cref="SafeCipherContextHandle"/>, but the calls
/// made per packet take its raw pointer: <see cref="OpenSslAesGcm"/> holds a reference on the handle for its whole
/// life, so the pointer stays valid, and the reference counting the marshaller would do on each of six calls per
/// packet (4% of the engine thread) is not needed.
/// </summary>
internal static unsafe partial class LibCrypto
{
    public const string Library = "libcrypto.so.3";

    /// <summary>EVP_CTRL_AEAD_GET_TAG: copy the tag of the finished encryption out.</summary>
    public const int CtrlAeadGetTag = 0x10;

    /// <summary>EVP_CTRL_AEAD_SET_TAG: the tag a decryption must verify against.</summary>
    public const int CtrlAeadSetTag = 0x11;

    [LibraryImport(Library)]
    public static partial SafeCipherContextHandle EVP_CIPHER_CTX_new();

    [LibraryImport(Library)]
    public static partial void EVP_CIPHER_CTX_free(nint context);

    [LibraryImport(Library)]
    public static partial nint EVP_aes_256_gcm();

    /// <summary>With a cipher and key: sets the context up. With only an IV: starts a new message under the same key.</summary>
    [LibraryImport(Library)]
    public static partial int EVP_CipherInit_ex(nint context, nint cipher, nint engine, byte* key, byte* iv, int encrypt);

    /// <summary>With a null output: feeds associated data; otherwise encrypts or decrypts (GCM writes as much as it reads).</summary>
    [LibraryImport(Library)]
    public static partial int EVP_CipherUpdate(nint context, byte* output, out int outputLength, byte* input, int inputLength);

    /// <summary>Ends the message; when decrypting, returns 1 only if the tag verified.</summary>
    [LibraryImport(Library)]
    public static partial int EVP_CipherFinal_ex(nint context, byte* output, out int outputLength);

    [LibraryImport(Library)]
    public static partial int EVP_CIPHER_CTX_ctrl(nint context, int type, int argument, byte* pointer);

    [LibraryImport(Library)]
    public static partial void ERR_clear_error();
}
