using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Receives with UDP generic receive offload (UDP_GRO, Linux 5.0+): the kernel hands up a run of same-sized
/// datagrams from one sender as one buffer, with the segment size in a control message, so one recvmsg(2) can carry
/// dozens of datagrams (a sender's GSO batch arrives whole). .NET exposes no control messages but IP_PKTINFO, so this
/// calls recvmsg directly on the socket's descriptor, always with MSG_DONTWAIT: it never blocks the engine.
/// Buffers are pinned for the transport's life; nothing is allocated per call.
/// </summary>
internal sealed class GroReceiver
{
    private const int SolUdp = 17;
    private const int UdpGro = 104;
    private const int MsgDontWait = 0x40;
    private const int MsgTrunc = 0x20;
    private const int ErrnoAgain = 11;
    private const int NameCapacity = 128;
    private const int ControlCapacity = 64;

    private readonly Socket _socket;
    private readonly byte[] _name = GC.AllocateArray<byte>(NameCapacity, pinned: true);
    private readonly byte[] _control = GC.AllocateArray<byte>(ControlCapacity, pinned: true);
    private readonly IoVec[] _iov = GC.AllocateArray<IoVec>(1, pinned: true);
    private readonly int _capacity;

    private GroReceiver(Socket socket, byte[] pinnedBuffer)
    {
        _socket = socket;
        _capacity = pinnedBuffer.Length;
        _iov[0] = new IoVec { Base = Marshal.UnsafeAddrOfPinnedArrayElement(pinnedBuffer, 0), Length = (nuint)pinnedBuffer.Length };
    }

    /// <summary>Turns GRO on for the socket; null (and the caller uses plain receives) where that is not possible.</summary>
    public static GroReceiver? TryCreate(Socket socket, byte[] pinnedBuffer, Action<string>? log)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            // The option is a native int; MemoryMarshal writes it in host order.
            var one = new byte[sizeof(int)];
            MemoryMarshal.Write(one, 1);
            socket.SetRawSocketOption(SolUdp, UdpGro, one);
            return new GroReceiver(socket, pinnedBuffer);
        }
        catch (SocketException ex)
        {
            log?.Invoke($"transport: UDP_GRO unavailable ({ex.SocketErrorCode}); one system call per received datagram");
            return null;
        }
    }

    /// <summary>
    /// Receives what is queued into the buffer given at creation. Returns the byte count (0 for an empty datagram),
    /// -1 when nothing is queued, or -2 on an error (<paramref name="error"/> holds errno).
    /// <paramref name="segmentSize"/> is the size of each datagram in the buffer (all but the last are that long).
    /// </summary>
    public int Receive(System.Net.SocketAddress from, out int segmentSize, out int error)
    {
        segmentSize = 0;
        error = 0;
        var header = new MsgHdr
        {
            Name = Marshal.UnsafeAddrOfPinnedArrayElement(_name, 0),
            NameLength = NameCapacity,
            Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_iov, 0),
            IovLength = 1,
            Control = Marshal.UnsafeAddrOfPinnedArrayElement(_control, 0),
            ControlLength = ControlCapacity,
        };
        var count = RecvMsg((int)_socket.Handle, ref header, MsgDontWait);
        if (count < 0)
        {
            error = Marshal.GetLastPInvokeError();
            return error == ErrnoAgain ? -1 : -2;
        }

        var length = (int)count;
        if ((header.Flags & MsgTrunc) != 0)
        {
            // Larger than our buffer: cannot be one of ours. Hand up what fits; it fails to parse and is counted.
            length = Math.Min(length, _capacity);
        }

        var nameLength = (int)Math.Min(header.NameLength, (uint)Math.Min(NameCapacity, from.Buffer.Length));
        _name.AsSpan(0, nameLength).CopyTo(from.Buffer.Span);
        from.Size = nameLength;
        segmentSize = length;
        var control = _control.AsSpan(0, (int)Math.Min(header.ControlLength, ControlCapacity));
        var offset = 0;
        while (offset + 16 <= control.Length)
        {
            var cmsgLength = (int)MemoryMarshal.Read<nuint>(control[offset..]);
            var level = MemoryMarshal.Read<int>(control[(offset + 8)..]);
            var type = MemoryMarshal.Read<int>(control[(offset + 12)..]);
            if (cmsgLength < 16)
            {
                break;
            }

            if (level == SolUdp && type == UdpGro && offset + 20 <= control.Length)
            {
                var size = MemoryMarshal.Read<int>(control[(offset + 16)..]);
                if (size > 0 && size < length)
                {
                    segmentSize = size;
                }
            }

            offset += (cmsgLength + 7) & ~7;
        }

        return length;
    }

    [DllImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    private static extern nint RecvMsg(int fd, ref MsgHdr message, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary>struct msghdr of Linux (LP64): natural alignment puts 4 bytes of padding after the name length.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name;
        public uint NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }
}
