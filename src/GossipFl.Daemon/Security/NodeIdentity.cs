using System.Security.Cryptography;

namespace GossipFl.Daemon.Security;

/// <summary>
/// A node's long-term identity: an ECDSA P-256 key pair kept in <c>identity.key</c> (PKCS#8, DER) in the data
/// directory, created on first start with file mode 0600. Its fingerprint, SHA-256 over the DER
/// SubjectPublicKeyInfo in lowercase hex, is what topology files pin and what discovery publishes.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    public const string FileName = "identity.key";
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly ECDsa _key;

    private NodeIdentity(ECDsa key)
    {
        _key = key;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        Fingerprint = ComputeFingerprint(PublicKey);
    }

    /// <summary>DER SubjectPublicKeyInfo of the public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>64 lowercase hex digits: SHA-256 of <see cref="PublicKey"/>.</summary>
    public string Fingerprint { get; }

    /// <summary>The first 16 hex digits of the fingerprint, for logs and tables (not for pinning).</summary>
    public string ShortFingerprint => Fingerprint[..16];

    /// <summary>Loads the identity from <paramref name="dataDirectory"/>, creating it (and the directory) if absent.</summary>
    public static NodeIdentity LoadOrCreate(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            return Load(path);
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            // The mode is set by open(2) itself, so there is no moment at which the key is readable by others.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(path, options))
            {
                stream.Write(pkcs8);
                stream.Flush(flushToDisk: true);
            }

            return new NodeIdentity(key);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs, so both agree on one identity.
            key.Dispose();
            return Load(path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>Creates an identity that lives only in memory (tests, ephemeral nodes).</summary>
    public static NodeIdentity CreateEphemeral() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static string ComputeFingerprint(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));

    /// <summary>Signs with the identity key: ECDSA over SHA-256, 64-byte r || s.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Verifies a signature made by <see cref="Sign"/> under a peer's DER SubjectPublicKeyInfo.</summary>
    public static bool Verify(ReadOnlySpan<byte> subjectPublicKeyInfo, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            if (read != subjectPublicKeyInfo.Length || key.KeySize != 256)
            {
                return false;
            }
        }
        catch (CryptographicException)
        {
            // Not a valid EC public key: the proof fails; the caller counts the drop.
            return false;
        }

        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public void Dispose() => _key.Dispose();

    private static NodeIdentity Load(string path)
    {
        // Windows has no Unix modes; there the data directory's ACL is what protects the key.
        var mode = OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            throw new IdentityFileException(
                $"{path} is accessible by group or others (mode {Convert.ToString((int)mode, 8)}); " +
                $"an identity key must be private: run `chmod 600 {path}`");
        }

        byte[] pkcs8;
        try
        {
            pkcs8 = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IdentityFileException($"cannot read identity key {path}: {ex.Message}", ex);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            if (key.KeySize != 256)
            {
                throw new IdentityFileException($"{path} holds a {key.KeySize}-bit key; an identity key is ECDSA P-256");
            }

            return new NodeIdentity(key);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new IdentityFileException($"{path} is not a PKCS#8 ECDSA P-256 private key: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }
}
