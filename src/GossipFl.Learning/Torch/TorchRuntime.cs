using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GossipFl.Learning.Torch;

/// <summary>
/// Loads the native shim (and through it libtorch) once per process, and exposes process-wide settings:
/// thread count, seed, versions, and which BLAS libtorch ended up with.
/// </summary>
public static class TorchRuntime
{
    public const string ShimFileName = "libgossipfl_torch.so";

    /// <summary>Overrides where the shim is loaded from: a full path to libgossipfl_torch.so.</summary>
    public const string ShimPathVariable = "GOSSIPFL_NATIVE_LIB";

    private static readonly Lazy<nint> Shim = new(LoadShim, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads libtorch and the shim now, or throws <see cref="TorchUnavailableException"/> saying how to fix it.</summary>
    public static void EnsureAvailable() => _ = Shim.Value;

    public static string TorchVersion
    {
        get
        {
            EnsureAvailable();
            return Marshal.PtrToStringUTF8(NativeMethods.gf_torch_version()) ?? "unknown";
        }
    }

    /// <summary>Intra-op threads libtorch uses. libtorch's default here is 1, so callers should set it.</summary>
    public static int Threads
    {
        get
        {
            EnsureAvailable();
            return NativeMethods.gf_get_num_threads();
        }

        set
        {
            EnsureAvailable();
            NativeStatus.Check(NativeMethods.gf_set_num_threads(value), "set thread count");
        }
    }

    /// <summary>
    /// Held while libtorch's global generator is seeded and drawn from (model creation): the generator is one per
    /// process, so a seed and the draws it is meant for must not be split by another thread's creation.
    /// </summary>
    internal static readonly Lock GeneratorGate = new();

    /// <summary>
    /// Seeds libtorch's global generator. Only <see cref="TorchModel.Create(Models.ModelSpec, IReadOnlyList{int}, int, ulong)"/>
    /// calls it, under <see cref="GeneratorGate"/>, so a seed always reaches the model it was meant for.
    /// </summary>
    internal static void Seed(ulong seed)
    {
        EnsureAvailable();
        NativeStatus.Check(NativeMethods.gf_manual_seed(seed), "seed");
    }

    /// <summary>
    /// The BLAS shared object mapped into this process (resolved path), or null when none is. Debian picks it
    /// through the libblas.so.3 alternative; the reference BLAS is an order of magnitude slower than OpenBLAS.
    /// </summary>
    public static string? BlasLibrary
    {
        get
        {
            EnsureAvailable();
            const string maps = "/proc/self/maps";
            if (!File.Exists(maps))
            {
                return null;
            }

            return File.ReadLines(maps)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 6)
                .Select(fields => fields[5])
                .FirstOrDefault(path => Path.GetFileName(path).StartsWith("libblas.so", StringComparison.Ordinal));
        }
    }

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any P/Invoke into the shim.")]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(TorchRuntime).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == NativeMethods.Library ? Shim.Value : 0;

    private static nint LoadShim()
    {
        var candidates = new List<string>();
        var overridePath = Environment.GetEnvironmentVariable(ShimPathVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            candidates.Add(overridePath);
        }
        else
        {
            candidates.Add(Path.Combine(AppContext.BaseDirectory, ShimFileName));
            candidates.Add(Path.Combine(Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location) ?? ".", ShimFileName));
        }

        var failures = new List<string>();
        foreach (var path in candidates.Distinct(StringComparer.Ordinal))
        {
            if (!File.Exists(path))
            {
                failures.Add($"{path}: not found");
                continue;
            }

            try
            {
                return NativeLibrary.Load(path);
            }
            catch (DllNotFoundException ex)
            {
                // Usually libtorch itself is missing: the message from dlopen names the library.
                failures.Add($"{path}: {ex.Message}");
            }
        }

        throw new TorchUnavailableException(
            $"The libtorch engine could not be loaded ({string.Join("; ", failures)}). " +
            "Run scripts/setup.sh: it installs libtorch (Debian libtorch-dev) and builds the native shim. " +
            $"To use a shim built elsewhere, set {ShimPathVariable} to its path.");
    }
}
