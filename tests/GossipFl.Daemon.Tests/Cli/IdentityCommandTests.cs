using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary><c>gossipfl identity</c>: the fingerprint a rollout pins, before the daemon ever starts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IdentityCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gossipfl-identity-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Identity_NoKeyYet_CreatesThePrivateKey_AndPrintsTheFingerprintTheDaemonWillUse()
    {
        var dataDir = Path.Combine(_directory, "alice");

        var first = await CliRunner.RunAsync("identity", "--data-dir", dataDir);
        var second = await CliRunner.RunAsync("identity", "--data-dir", dataDir);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("created", first.Error, StringComparison.Ordinal);
        Assert.Matches("^sha256:[0-9a-f]{64}$", first.Output.Trim());
        Assert.Equal(first.Output, second.Output);
        Assert.Equal("", second.Error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, NodeIdentity.FileName)));
        using var identity = NodeIdentity.LoadOrCreate(dataDir);
        Assert.Equal("sha256:" + identity.Fingerprint, first.Output.Trim());
    }

    [Fact]
    public async Task Identity_FromAConfigFile_UsesItsDataDirRelativeToTheFile()
    {
        Directory.CreateDirectory(_directory);
        var config = Path.Combine(_directory, "bob.json");
        await File.WriteAllTextAsync(config, """{ "Node": "bob", "DataDir": "state/bob" }""");

        var result = await CliRunner.RunAsync("identity", "--config", config);

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(Path.Combine(_directory, "state", "bob", NodeIdentity.FileName)));
    }

    [Fact]
    public async Task Identity_NoDirectoryGiven_SaysHowToGiveOne()
    {
        var result = await CliRunner.RunAsync("identity");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("give --data-dir DIR", result.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
