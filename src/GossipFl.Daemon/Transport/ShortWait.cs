using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Waits less than a millisecond for the socket to become readable: ppoll(2) takes its timeout in nanoseconds,
/// where poll(2) (and so <see cref="Socket.Poll(int, SelectMode)"/>) counts whole milliseconds. Pacing gaps are
/// microseconds long; they used to be waited by yielding the core, and on a busy machine a yielding thread goes
/// behind every other runnable one, for a whole time slice, while a sleeping one is woken by its timer or by a
/// datagram and runs at once. Elsewhere than Linux it still yields.
/// </summary>
internal static partial class ShortWait
{
    private const short PollIn = 0x001;

    public static void ForReadable(Socket socket, int microseconds)
    {
        if (!OperatingSystem.IsLinux())
        {
            Thread.Yield();
            return;
        }

        var descriptor = new PollDescriptor { Descriptor = (int)socket.Handle, Events = PollIn };
        var timeout = new TimeSpec { Seconds = 0, Nanoseconds = Math.Clamp(microseconds, 0, 999_999) * 1000L };

        // The result does not matter: readable, timed out or interrupted, the engine loop looks at everything anyway.
        _ = PPoll(ref descriptor, 1, in timeout, 0);
    }

    [LibraryImport("libc", EntryPoint = "ppoll")]
    private static partial int PPoll(ref PollDescriptor descriptors, nuint count, in TimeSpec timeout, nint signalMask);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
