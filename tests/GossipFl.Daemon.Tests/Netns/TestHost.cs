using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Tests.Netns;

/// <summary>One host of a <see cref="TestNetwork"/>: a namespace with interface gl0 on the shared bridge.</summary>
internal sealed partial record TestHost(string Namespace, IPAddress Address)
{
    public const string InterfaceName = "gl0";

    private const int CloneNewNet = 0x40000000;

    /// <summary>Starts a process inside this host's namespace (the caller owns and must stop it).</summary>
    public Process Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var part in (string[])["netns", "exec", Namespace, file, .. arguments])
        {
            start.ArgumentList.Add(part);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {file} in {Namespace}");
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh thread that has entered this host's network namespace. A socket
    /// belongs to the namespace it was created in for its whole life, so sockets made here can be used from any
    /// thread afterwards while still living on this host.
    /// </summary>
    public T InNamespace<T>(Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Namespace}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({Namespace}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = body();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"work inside {Namespace} did not finish within 30 s");
        }

        return failure is null ? result : throw new InvalidOperationException($"work inside {Namespace} failed", failure);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int namespaceType);
}
