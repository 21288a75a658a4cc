using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NodeIdentityTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gossipfl-identity-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void LoadOrCreate_FirstStart_CreatesAPrivateKeyFile_AndReloadsTheSameIdentity()
    {
        string fingerprint;
        using (var created = NodeIdentity.LoadOrCreate(_directory))
        {
            fingerprint = created.Fingerprint;
        }

        var path = Path.Combine(_directory, NodeIdentity.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var loaded = NodeIdentity.LoadOrCreate(_directory);
        Assert.Equal(fingerprint, loaded.Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", loaded.Fingerprint);
        Assert.Equal(loaded.Fingerprint[..16], loaded.ShortFingerprint);
        Assert.Equal(NodeIdentity.ComputeFingerprint(loaded.PublicKey), loaded.Fingerprint);
    }

    [Fact]
    public void LoadOrCreate_KeyReadableByOthers_RefusesWithAClearError()
    {
        using (NodeIdentity.LoadOrCreate(_directory))
        {
        }

        var path = Path.Combine(_directory, NodeIdentity.FileName);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var error = Assert.Throws<IdentityFileException>(() => NodeIdentity.LoadOrCreate(_directory));
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_GarbageKeyFile_RefusesWithAClearError()
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, NodeIdentity.FileName);
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Throws<IdentityFileException>(() => NodeIdentity.LoadOrCreate(_directory));
    }

    [Fact]
    public void Sign_VerifiesUnderItsOwnKeyOnly()
    {
        using var one = NodeIdentity.CreateEphemeral();
        using var two = NodeIdentity.CreateEphemeral();
        var signature = one.Sign("transcript"u8);
        Assert.Equal(64, signature.Length);
        Assert.True(NodeIdentity.Verify(one.PublicKey, "transcript"u8, signature));
        Assert.False(NodeIdentity.Verify(two.PublicKey, "transcript"u8, signature));
        Assert.False(NodeIdentity.Verify([1, 2, 3], "transcript"u8, signature));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
