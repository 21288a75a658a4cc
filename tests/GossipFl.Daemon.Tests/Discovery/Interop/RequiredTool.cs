namespace GossipFl.Daemon.Tests.Discovery.Interop;

/// <summary>Checks that an outside program a test relies on is installed; fails (never skips) if not.</summary>
internal static class RequiredTool
{
    public static string Find(string name, string debianPackage)
    {
        foreach (var directory in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail($"{name} is not installed (Debian package {debianPackage}); scripts/setup.sh installs it. This test needs it and does not skip.");
        return name;
    }

    /// <summary>The `dotnet` host running these tests, to start gossipfl.dll in a namespace.</summary>
    public static string DotnetHost =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : Find("dotnet", "dotnet-sdk");

    /// <summary>The gossipfl.dll built next to the tests (the test project references the daemon).</summary>
    public static string GossipFlDll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "gossipfl.dll");
            Assert.True(File.Exists(path), $"{path} is missing; build tests/GossipFl.Daemon.Tests");
            return path;
        }
    }
}
