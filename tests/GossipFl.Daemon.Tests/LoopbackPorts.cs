using System.Net;
using System.Net.Sockets;

namespace GossipFl.Daemon.Tests;

/// <summary>
/// Ports for daemons a test starts later on loopback. They come from below the kernel's ephemeral range
/// (32768-60999 on Debian), each handed out once per test process: a port found by binding port 0 and letting it go
/// is ephemeral, so another test's socket could be given it before the daemon binds it (CI once saw a daemon fail
/// with "address already in use" that way).
/// </summary>
internal static class LoopbackPorts
{
    private const int First = 20_000;
    private const int Last = 32_000;
    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>A port in [20000, 32000) that is free for UDP and TCP on 127.0.0.1 right now and not handed out before.</summary>
    public static int Reserve()
    {
        for (var attempt = 0; attempt < Last - First; attempt++)
        {
            var port = First + ((Interlocked.Increment(ref _next) - First) % (Last - First));
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback port in [{First}, {Last})");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
