using Microsoft.Win32.SafeHandles;

namespace GossipFl.Daemon.Security;

/// <summary>An OpenSSL EVP_CIPHER_CTX, freed (and its key schedule wiped, which EVP_CIPHER_CTX_free does) on release.</summary>
internal sealed class SafeCipherContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeCipherContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_CIPHER_CTX_free(handle);
        return true;
    }
}
