using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// Maps the pages of a fresh buffer in one system call, madvise(2) with MADV_POPULATE_WRITE (Linux 5.14+), instead
/// of one page fault per 4 KiB as the buffer is first written. A large message's reassembly buffer is new memory,
/// and at 1472-byte datagrams faulting it in page by page was a quarter of the receiving engine thread; populating it
/// ahead in runs costs the kernel about 40% less (docs/benchmarks.md, "Transport"). It only maps pages: the bytes are
/// not changed. Where the kernel does not know the advice, it is not asked again and pages fault in as before.
/// </summary>
internal static partial class PagePrefault
{
    private const int MadvPopulateWrite = 23;
    private const int ErrnoInvalid = 22;
    private static readonly nint PageMask = Environment.SystemPageSize - 1;
    private static volatile bool _unsupported = !OperatingSystem.IsLinux();

    /// <summary>Maps the pages lying wholly inside <paramref name="buffer"/>; false when the kernel did not.</summary>
    public static unsafe bool TryPopulate(Span<byte> buffer)
    {
        if (_unsupported)
        {
            return false;
        }

        fixed (byte* start = buffer)
        {
            // Whole pages only: the ones at the ends may hold other objects (mapping them would be harmless, but
            // the neighbouring page could be reserved address space the kernel refuses).
            var first = ((nint)start + PageMask) & ~PageMask;
            var end = ((nint)start + buffer.Length) & ~PageMask;
            if (end <= first)
            {
                return true;
            }

            if (MAdvise(first, (nuint)(end - first), MadvPopulateWrite) == 0)
            {
                return true;
            }

            if (Marshal.GetLastPInvokeError() == ErrnoInvalid)
            {
                // A kernel before 5.14: the advice is unknown.
                _unsupported = true;
            }

            // Otherwise (interrupted, out of memory) the pages fault in one by one when written, as without this.
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int MAdvise(nint address, nuint length, int advice);
}
