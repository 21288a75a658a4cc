using System.Runtime.InteropServices;

namespace GossipFl.Daemon.Node;

/// <summary>
/// The daemon's use of glibc's malloc, which holds libtorch's memory (docs/benchmarks.md, "Peak memory of a
/// Fashion-MNIST daemon"). Both calls do nothing where there is no glibc.
/// </summary>
internal static class NativeHeap
{
    // mallopt's parameter number for the arena limit (malloc.h).
    private const int ArenaMax = -8;

    private static volatile bool s_unavailable;

    /// <summary>
    /// glibc gives a thread that allocates while the existing arenas are busy an arena of its own (up to eight per
    /// core), and an arena keeps what its threads freed. A daemon's rounds run libtorch on whichever thread-pool
    /// thread picks them up, so over a run several arenas each came to hold their own copy of a step's buffers (21
    /// MiB in four arenas at the end of README's main job). With one arena every thread reuses the same free blocks;
    /// a daemon trains on one thread at a time, so there is no lock to contend for. Called first thing in
    /// <c>Main</c> for <c>gossipfl start</c>, before the host starts its threads; a MALLOC_ARENA_MAX in the
    /// environment is left to rule.
    /// </summary>
    public static void UseOneArena()
    {
        if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is null)
        {
            Call(() => MallOpt(ArenaMax, 1));
        }
    }

    /// <summary>
    /// Returns the free pages of malloc's heap to the system. The shim keeps freed memory in the heap (a high trim
    /// threshold, for training speed: a step's buffers are reused by the next step instead of faulting in again);
    /// between rounds that memory only adds to the daemon's resident size. Costs a walk of malloc's free lists and the
    /// next round's first step its page faults again; not timed on its own, the runs of README's main job were no
    /// slower than before (their times vary with the machine's load more than that).
    /// </summary>
    public static void Trim() => Call(() => MallocTrim(0));

    private static void Call(Func<int> call)
    {
        if (s_unavailable || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = call();
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has neither call): its malloc does not keep memory this way.
            s_unavailable = true;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
