using System.Runtime.InteropServices;

namespace GossipFl.Bench.Transport;

/// <summary>
/// CPU time (user + system) of the whole process from getrusage(2), which the kernel keeps to the microsecond;
/// <see cref="System.Diagnostics.Process.TotalProcessorTime"/> reads /proc in 10 ms clock ticks, too coarse for
/// transfers that take a few hundred milliseconds.
/// </summary>
internal static partial class ProcessorTime
{
    private const int RusageSelf = 0;

    public static TimeSpan Now()
    {
        if (GetRusage(RusageSelf, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return TimeSpan.FromMicroseconds((usage.UserSeconds * 1e6) + usage.UserMicroseconds + (usage.SystemSeconds * 1e6) + usage.SystemMicroseconds);
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    /// <summary>struct rusage of Linux (LP64): two timevals, then fourteen longs this does not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        private unsafe fixed long _rest[14];
    }
}
