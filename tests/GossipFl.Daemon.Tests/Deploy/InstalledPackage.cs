using GossipFl.Daemon.Security;

namespace GossipFl.Daemon.Tests.Deploy;

/// <summary>
/// The gossipfl .deb under test: the one scripts/test.sh built (GOSSIPFL_DEB), or else the one in artifacts/deb/,
/// built with scripts/package.sh when there is none. Installs it with apt-get and purges it again.
/// </summary>
internal static class InstalledPackage
{
    public const string Executable = "/usr/bin/gossipfl";
    public const string LibraryDirectory = "/usr/lib/gossipfl";
    public const string Unit = "/lib/systemd/system/gossipfl@.service";

    private static readonly TimeSpan AptDeadline = TimeSpan.FromMinutes(5);

    public static string Deb()
    {
        var given = Environment.GetEnvironmentVariable("GOSSIPFL_DEB");
        if (!string.IsNullOrEmpty(given))
        {
            Assert.True(File.Exists(given), $"GOSSIPFL_DEB={given}: no such file");
            return given;
        }

        var directory = Path.Combine(RepoPaths.Root, "artifacts", "deb");
        var built = Directory.Exists(directory) ? Directory.GetFiles(directory, "gossipfl_*_amd64.deb") : [];
        if (built.Length == 1)
        {
            return built[0];
        }

        var output = SystemCommand.Check(TimeSpan.FromMinutes(10), Path.Combine(RepoPaths.Root, "scripts", "package.sh"));
        return output.Trim().Split('\n')[^1];
    }

    /// <summary>Installs the package as an operator would: <c>apt-get install ./gossipfl_*.deb</c>.</summary>
    public static void Install(string deb)
    {
        Purge();
        var result = SystemCommand.Run(
            AptDeadline, "apt-get", ["install", "-y", "-q", "--no-install-recommends", "./" + Path.GetFileName(deb)],
            new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" }, Path.GetDirectoryName(deb));
        Assert.True(result.ExitCode == 0, "apt-get install failed: " + result.Text);
        Assert.True(IsInstalled, "dpkg does not list gossipfl as installed after apt-get install");
    }

    public static bool IsInstalled =>
        SystemCommand.Run("dpkg-query", "-W", "-f=${Status}", "gossipfl").Output.Contains("install ok installed", StringComparison.Ordinal);

    /// <summary>Removes the package and its configuration, if present.</summary>
    public static void Purge()
    {
        if (SystemCommand.Run("dpkg-query", "-W", "gossipfl").ExitCode != 0)
        {
            return; // dpkg has never heard of it (or no longer): nothing to purge
        }

        var result = SystemCommand.Run(AptDeadline, "apt-get", ["purge", "-y", "-q", "gossipfl"], new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" });
        Assert.True(result.ExitCode == 0, "apt-get purge failed: " + result.Text);
    }

    /// <summary>The unit's ExecStart, split into words, for a node whose config lives in <paramref name="configDirectory"/>.</summary>
    public static string[] ExecStart(string node, string configDirectory)
    {
        var line = File.ReadLines(Unit).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        return line["ExecStart=".Length..]
            .Replace("%i", node, StringComparison.Ordinal)
            .Replace("/etc/gossipfl/", configDirectory.TrimEnd('/') + "/", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The argument list that runs <paramref name="command"/> as the unit would: as the unprivileged user gossipfl
    /// (setpriv does what User=/Group= do) inside the namespace <paramref name="netns"/>.
    /// </summary>
    public static string[] AsService(string netns, string[] command) =>
        ["netns", "exec", netns, "/usr/bin/setpriv", "--reuid=gossipfl", "--regid=gossipfl", "--init-groups", .. command];

    /// <summary>
    /// What the daemons are started with: no PATH to any dotnet, a DOTNET_ROOT that does not exist, so the
    /// self-contained executable can only use what the package brought.
    /// </summary>
    public static void WithoutDotnet(System.Diagnostics.ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.Environment.Clear();
        start.Environment["PATH"] = "/nonexistent";
        start.Environment["DOTNET_ROOT"] = "/nonexistent/dotnet";
        start.Environment["NO_COLOR"] = "1";
    }

    /// <summary>Gives a directory tree to the service user, as systemd's StateDirectory= does.</summary>
    public static void GiveToServiceUser(string path) => SystemCommand.Check(TimeSpan.FromSeconds(30), "chown", "-R", "gossipfl:gossipfl", path);

    /// <summary>The fingerprint of the identity key in <paramref name="dataDirectory"/>, as topologies pin it.</summary>
    public static string Fingerprint(string dataDirectory)
    {
        using var identity = NodeIdentity.LoadOrCreate(dataDirectory);
        return "sha256:" + identity.Fingerprint;
    }
}
