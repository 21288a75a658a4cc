using System.Diagnostics;
using GossipFl.Learning.Data;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Tests.Data;

public sealed class LocalNpzTests : IDisposable
{
    private static readonly TaskDeclaration Table = new([3], ["a", "b", "c"]);

    private static readonly TaskDeclaration Image = new([1, 2, 2], ["a", "b", "c"], range: (0, 255), mean: [0.5], std: [0.25]);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_Float32RowsAndInt64Labels_RoundTrip(bool compressed)
    {
        var data = LocalData.Load(
            Write(compressed, ("x.npy", NpyBytes.Floats([1, 2, 3, 4, 5, 6], 2, 3)), ("y.npy", NpyBytes.Int64s(2, 0))),
            Table);

        Assert.Equal([3], data.SampleShape);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], data.Features);
        Assert.Equal([2L, 0], data.Labels);
        Assert.Equal("data", data.Name);
    }

    [Fact]
    public void Load_Float64WithInputShapeAndUpperCaseX_IsAccepted()
    {
        var task = new TaskDeclaration([1, 1, 2], ["a", "b"]);
        var data = LocalData.Load(Write(false, ("X.npy", NpyBytes.Doubles([0.1, 0.2], 1, 1, 1, 2)), ("y.npy", NpyBytes.Int64s(1))), task);

        Assert.Equal([0.1f, 0.2f], data.Features);
    }

    [Fact]
    public void Load_GreyImagesSavedWithoutTheChannelDimension_FitAOneChannelTask()
    {
        // MNIST-style arrays are usually saved as (N, H, W); the task says [1, H, W].
        var data = LocalData.Load(Write(false, ("x.npy", NpyBytes.Bytes([0, 51, 255, 128], 1, 2, 2)), ("y.npy", NpyBytes.Int64s(1))), Image);

        Assert.Equal([1, 2, 2], data.SampleShape);
        Assert.Equal(4, data.Features.Length);
    }

    [Fact]
    public void Load_SameValueCountInAnotherShape_IsRefused()
    {
        var task = new TaskDeclaration([1, 2, 2], ["a", "b"]);
        var ex = Assert.Throws<DataFormatException>(
            () => LocalData.Load(Write(false, ("x.npy", NpyBytes.Floats([1, 2, 3, 4], 1, 4, 1)), ("y.npy", NpyBytes.Int64s(1))), task));

        Assert.Contains("shape (1, 4, 1) does not fit the task's input [1, 2, 2]", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BigEndianFloats_AreConverted()
    {
        var data = LocalData.Load(Write(false, ("x.npy", NpyBytes.BigEndianFloats([1.5f, -2, 3], 1, 3)), ("y.npy", NpyBytes.Int64s(1))), Table);

        Assert.Equal([1.5f, -2f, 3f], data.Features);
    }

    [Fact]
    public void Load_Uint8Images_StayBytesUntilUsedAndMapThroughTheTask()
    {
        var data = LocalData.Load(
            Write(true, ("x.npy", NpyBytes.Bytes([0, 51, 255, 128], 1, 1, 2, 2)), ("y.npy", NpyBytes.Int64s(1))),
            Image);

        Assert.False(data.IsExpanded);
        float Expected(double raw) => (float)(((raw / 255.0) - 0.5) / 0.25);
        Assert.Equal([Expected(0), Expected(51), Expected(255), Expected(128)], data.Features);
    }

    [Fact]
    public void Load_PerChannelNormalisationOfBytes_ExpandsPerChannel()
    {
        var task = new TaskDeclaration([2, 1, 1], ["a", "b"], mean: [0.0, 10.0], std: [1.0, 2.0]);
        var data = LocalData.Load(Write(false, ("x.npy", NpyBytes.Bytes([4, 14], 1, 2, 1, 1)), ("y.npy", NpyBytes.Int64s(0))), task);

        Assert.Equal([4f, 2f], data.Features);
    }

    [Fact]
    public void Load_OtherIntegerLabelDtypesAndColumnShape_AreClassIds()
    {
        var labels = NpyBytes.Array("<u2", [2, 1], [1, 0, 2, 0]);
        var data = LocalData.Load(Write(false, ("x.npy", NpyBytes.Floats([1, 2, 3, 4, 5, 6], 2, 3)), ("y.npy", labels)), Table);

        Assert.Equal([1L, 2], data.Labels);
    }

    [Fact]
    public void Load_UnicodeLabels_AreClassNamesOrIds()
    {
        var data = LocalData.Load(Write(false, ("x.npy", NpyBytes.Floats([1, 2, 3, 4, 5, 6], 2, 3)), ("y.npy", NpyBytes.Unicode("c", "1"))), Table);

        Assert.Equal([2L, 1], data.Labels);
    }

    [Fact]
    public void Load_Version2Header_IsRead()
    {
        var x = NpyBytes.Array("<f4", [1, 3], new byte[12], major: 2);
        var data = LocalData.Load(Write(false, ("x.npy", x), ("y.npy", NpyBytes.Int64s(0))), Table);

        Assert.Equal([0f, 0f, 0f], data.Features);
    }

    [Fact]
    public void Load_OnlySomeClasses_KeepsTheTasksClassCount()
    {
        var data = LocalData.Load(Write(false, ("x.npy", NpyBytes.Floats([1, 2, 3], 1, 3)), ("y.npy", NpyBytes.Int64s(1))), Table);

        Assert.Equal(3, data.ClassCount);
    }

    [Fact]
    public void Load_FortranOrder_IsRefused()
    {
        var x = NpyBytes.Array("<f4", [1, 3], new byte[12], fortran: true);
        Assert.Contains("x.npy: the array is stored in Fortran", Fails(("x.npy", x), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ObjectDtype_IsRefusedAsPickles()
    {
        var y = NpyBytes.Array("|O", [1], new byte[8]);
        Assert.Contains("y.npy: dtype '|O' holds Python objects (pickles)", Fails(("x.npy", NpyBytes.Floats([1, 2, 3], 1, 3)), ("y.npy", y)).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<c8")]
    [InlineData("<M8[ns]")]
    [InlineData("<f16")]
    [InlineData("<i3")]
    public void Load_UnknownDtype_IsRefused(string descr)
    {
        var x = NpyBytes.Array(descr, [1, 3], new byte[48]);
        Assert.Contains("is not", Fails(("x.npy", x), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_StructuredDtype_IsRefused()
    {
        var x = NpyBytes.Array("", [1], new byte[4], header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }");
        Assert.Contains("structured (record) dtypes are not supported", Fails(("x.npy", x), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FloatLabels_AreRefusedWithAHint()
    {
        var ex = Fails(("x.npy", NpyBytes.Floats([1, 2, 3], 1, 3)), ("y.npy", NpyBytes.Doubles([1.0], 1)));
        Assert.Contains("y.npy: labels have dtype '<f8'", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("astype(np.int64)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedData_IsRefusedBeforeReading()
    {
        var x = NpyBytes.Floats([1, 2, 3, 4, 5, 6], 2, 3);
        var ex = Fails(("x.npy", x[..^5]), ("y.npy", NpyBytes.Int64s(0, 1)));
        Assert.Contains("x.npy: shape (2, 3) of '<f4' declares more than the 19 data bytes the member holds", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedHeader_IsRefused()
    {
        var x = NpyBytes.Floats([1, 2, 3], 1, 3);
        Assert.Contains("x.npy: NPY header truncated", Fails(("x.npy", x[..40]), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotNpy_IsRefused()
    {
        Assert.Contains("x.npy: not an NPY array", Fails(("x.npy", "hello, world"u8.ToArray()), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HugeDeclaredShape_IsRefusedWithoutAllocatingIt()
    {
        // A billion samples: within what one data set may hold, 12 GB the member does not have.
        var x = NpyBytes.Array("<f4", [1L << 30, 3], new byte[12]);
        var y = NpyBytes.Array("<i8", [1L << 30], new byte[8]);
        var path = Write(true, ("x.npy", x), ("y.npy", y));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(path, Table));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("declares more than the 12 data bytes", ex.Problem, StringComparison.Ordinal);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Load_OverflowingShape_IsRefused()
    {
        var x = NpyBytes.Array("<f4", [long.MaxValue, long.MaxValue], new byte[12]);
        Assert.Contains("does not fit the task's input", Fails(("x.npy", x), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NegativeDimension_IsRefused()
    {
        var x = NpyBytes.Array("<f4", [-1, 3], new byte[12]);
        Assert.Contains("dimension -1 is negative", Fails(("x.npy", x), ("y.npy", NpyBytes.Int64s(0))).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShapeNotTheTasks_SaysWhatWasExpected()
    {
        var ex = Fails(("x.npy", NpyBytes.Floats([1, 2, 3, 4], 1, 4)), ("y.npy", NpyBytes.Int64s(0)));
        Assert.Contains("x.npy: shape (1, 4) does not fit the task's input [3]; expected (N, 3).", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelCountDiffers_IsRefused()
    {
        var ex = Fails(("x.npy", NpyBytes.Floats([1, 2, 3], 1, 3)), ("y.npy", NpyBytes.Int64s(0, 1)));
        Assert.Contains("y.npy: 2 labels for 1 samples", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelOutOfRange_NamesTheRecord()
    {
        var ex = Fails(("x.npy", NpyBytes.Floats([1, 2, 3, 4, 5, 6], 2, 3)), ("y.npy", NpyBytes.Int64s(0, 3)));
        Assert.Contains("y.npy, record 2: label 3 is not a class id of the task (0..2)", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownStringLabel_ListsTheClasses()
    {
        var ex = Fails(("x.npy", NpyBytes.Floats([1, 2, 3], 1, 3)), ("y.npy", NpyBytes.Unicode("daisy")));
        Assert.Contains("y.npy, record 1: label 'daisy' is not a class of the task (classes 'a', 'b', 'c'", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Load_NonFiniteFeature_NamesTheRecord(float bad)
    {
        var ex = Fails(("x.npy", NpyBytes.Floats([1, 2, 3, 4, bad, 6], 2, 3)), ("y.npy", NpyBytes.Int64s(0, 1)));
        Assert.Contains("x.npy, record 2, value 2:", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("is not finite", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ByteOutsideRange_NamesTheRecord()
    {
        var task = new TaskDeclaration([2], ["a", "b"], range: (0, 100));
        var path = Write(false, ("x.npy", NpyBytes.Bytes([1, 2, 3, 200], 2, 2)), ("y.npy", NpyBytes.Int64s(0, 1)));
        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(path, task));
        Assert.Contains("x.npy, record 2: value 200 is outside the task's range [0, 100]", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingMember_ListsTheMembers()
    {
        var ex = Fails(("features.npy", NpyBytes.Floats([1, 2, 3], 1, 3)), ("y.npy", NpyBytes.Int64s(0)));
        Assert.Contains("no member x.npy (or X.npy)", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("found: features.npy, y.npy", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotAZip_IsRefused()
    {
        var path = _dir.File("data.npz");
        File.WriteAllText(path, "not a zip");
        Assert.Contains("not a ZIP archive", Assert.Throws<DataFormatException>(() => LocalData.Load(path, Table)).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NumpysOwnSavez_Loads()
    {
        if (!NumpyAvailable())
        {
            // Outside CI a machine without numpy may skip this check; CI must have it (scripts/setup.sh installs
            // python3-torch, which brings python3-numpy), so there a missing numpy fails.
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "python3 with numpy is missing (CI=true): run scripts/setup.sh.");
            return;
        }

        var plain = _dir.File("plain.npz");
        var compressed = _dir.File("compressed.npz");
        var names = _dir.File("names.npz");
        Python($$"""
            import numpy as np
            x = np.arange(24, dtype=np.uint8).reshape(2, 3, 2, 2) * 10
            np.savez(r'{{plain}}', x=x, y=np.array([2, 0]))
            np.savez_compressed(r'{{compressed}}', x=x.reshape(2, 12).astype(np.float32) / 255, y=np.array([[1], [2]], dtype=np.int32))
            np.savez(r'{{names}}', X=np.ones((2, 3, 2, 2), dtype=np.float64), y=np.array(['b', 'c']))
            """);
        var task = new TaskDeclaration([3, 2, 2], ["a", "b", "c"]);

        var bytes = LocalData.Load(plain, task);
        var floats = LocalData.Load(compressed, task);
        var named = LocalData.Load(names, task);

        Assert.Equal(Enumerable.Range(0, 24).Select(i => i * 10f), bytes.Features);
        Assert.Equal([2L, 0], bytes.Labels);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)(i * 10) / 255), floats.Features);
        Assert.Equal([1L, 2], floats.Labels);
        Assert.Equal([1L, 2], named.Labels);
    }

    private static bool NumpyAvailable()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            return false;
        }

        using var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import numpy"]) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        return process.WaitForExit(60_000) && process.ExitCode == 0;
    }

    private static void Python(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", script]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "python3 did not finish within a minute");
        Assert.True(process.ExitCode == 0, error);
    }

    private DataFormatException Fails(params (string Name, byte[] Bytes)[] members)
    {
        var path = Write(false, members);
        var ex = Assert.Throws<DataFormatException>(() => LocalData.Load(path, Table));
        Assert.Equal(path, ex.Path);
        Assert.DoesNotContain('\n', ex.Message);
        return ex;
    }

    private string Write(bool compressed, params (string Name, byte[] Bytes)[] members)
    {
        var path = _dir.File("data.npz");
        File.WriteAllBytes(path, NpyBytes.Zip(compressed, members));
        return path;
    }
}
