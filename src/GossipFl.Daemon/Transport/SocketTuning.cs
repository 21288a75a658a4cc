using System.Net.Sockets;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Raises socket buffers. Default buffers (212,992 B here) lose most datagrams at full speed (shared/design/TESTING.md).
/// As root, SO_RCVBUFFORCE / SO_SNDBUFFORCE bypass net.core.rmem_max; otherwise the plain options are capped by it.
/// </summary>
internal static class SocketTuning
{
    private const int SolSocket = 1;
    private const int SoSndBufForce = 32;
    private const int SoRcvBufForce = 33;
    private const int SolUdp = 17;
    private const int UdpSegment = 103;

    public static (int Receive, int Send) RaiseBuffers(Socket socket, int bytes, Action<string>? log)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                socket.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverterFree(bytes));
                socket.SetRawSocketOption(SolSocket, SoSndBufForce, BitConverterFree(bytes));
                return (socket.ReceiveBufferSize, socket.SendBufferSize);
            }
            catch (SocketException ex)
            {
                // Not root (EPERM): fall back to the capped options below.
                log?.Invoke($"transport: SO_RCVBUFFORCE refused ({ex.SocketErrorCode}); using SO_RCVBUF capped by net.core.rmem_max");
            }
        }

        socket.ReceiveBufferSize = bytes;
        socket.SendBufferSize = bytes;
        return (socket.ReceiveBufferSize, socket.SendBufferSize);
    }

    /// <summary>
    /// Turns on UDP generic segmentation offload with <paramref name="segmentSize"/>-byte segments, so one send of a
    /// buffer of back-to-back datagrams leaves as separate datagrams. False where the kernel does not support it.
    /// </summary>
    public static bool TryEnableSegmentation(Socket socket, int segmentSize, Action<string>? log)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            socket.SetRawSocketOption(SolUdp, UdpSegment, BitConverterFree(segmentSize));
            return true;
        }
        catch (SocketException ex)
        {
            log?.Invoke($"transport: UDP_SEGMENT unavailable ({ex.SocketErrorCode}); one system call per datagram");
            return false;
        }
    }

    public static void DisableSegmentation(Socket socket)
    {
        try
        {
            socket.SetRawSocketOption(SolUdp, UdpSegment, BitConverterFree(0));
        }
        catch (SocketException)
        {
            // Only called after a segmented send failed; sends of single datagrams work either way.
        }
    }

    // Socket options take the native int in host byte order; MemoryMarshal does that without BitConverter.
    private static byte[] BitConverterFree(int value)
    {
        var bytes = new byte[sizeof(int)];
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in value);
        return bytes;
    }
}
