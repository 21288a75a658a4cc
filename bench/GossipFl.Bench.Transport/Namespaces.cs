using System.Runtime.InteropServices;

namespace GossipFl.Bench.Transport;

/// <summary>Creates objects (sockets) inside a named network namespace: a socket stays in the namespace it was made in.</summary>
internal static partial class Namespaces
{
    private const int CloneNewNet = 0x40000000;

    public static T In<T>(string? netns, Func<T> body)
    {
        if (netns is null)
        {
            return body();
        }

        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{netns}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({netns}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = body();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException)
            {
                failure = ex;
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException($"work inside {netns} did not finish within 30 s");
        }

        return failure is null ? result : throw new InvalidOperationException($"work inside {netns} failed", failure);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int namespaceType);
}
