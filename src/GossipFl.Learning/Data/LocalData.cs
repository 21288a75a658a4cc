using GossipFl.Topology.Files;

namespace GossipFl.Learning.Data;

/// <summary>
/// A node's own training data (<c>--data PATH</c>), read and checked against the federation's task
/// (docs/datasets.md, "A node's own data"). PATH is a file or a directory; the format follows from it:
/// <list type="bullet">
/// <item><c>*.csv</c>: a table, one sample a row (<see cref="LocalDataOptions.LabelColumn"/> picks the label).</item>
/// <item><c>*.npz</c>: <c>np.savez(path, x=..., y=...)</c>.</item>
/// <item>an IDX images file (<c>*-ubyte</c>, <c>*-ubyte.gz</c>, <c>*.idx*</c>) with its labels file beside it.</item>
/// <item>a directory holding exactly one of those, or class sub-folders of images (torchvision's ImageFolder).</item>
/// </list>
/// The result always has the task's sample shape and class count, whatever classes the data happens to hold.
/// </summary>
public static class LocalData
{
    /// <exception cref="FileNotFoundException">PATH does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">PATH names a directory (ends with a separator) that does not exist.</exception>
    /// <exception cref="DataFormatException">The content is not data of the task, or not a recognised format.</exception>
    public static Dataset Load(string path, TaskDeclaration task, LocalDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(task);
        options ??= new LocalDataOptions();
        if (File.Exists(path))
        {
            return LoadFile(path, task, options);
        }

        if (Directory.Exists(path))
        {
            return LoadDirectory(path, task, options);
        }

        if (Path.EndsInDirectorySeparator(path))
        {
            throw new DirectoryNotFoundException($"Data directory {path} does not exist.");
        }

        throw new FileNotFoundException($"Data file or directory {path} does not exist.", path);
    }

    /// <summary>"classes 'a', 'b', 'c', or ids 0..2": what a label or folder name may be, for error messages.</summary>
    internal static string DescribeClasses(TaskDeclaration task)
    {
        const int Shown = 10;
        var names = string.Join(", ", task.Classes.Take(Shown).Select(n => CsvCells.Quote(n)));
        var more = task.ClassCount > Shown ? $", ... ({task.ClassCount} in all)" : string.Empty;
        return $"classes {names}{more}, or ids 0..{task.ClassCount - 1}";
    }

    private const string Expected =
        "expected a .csv file, an .npz file (np.savez with x and y), an IDX images file with its labels file beside it, "
        + "a directory holding exactly one of those, or a directory of class sub-folders of .png/.jpg images";

    private static Dataset LoadFile(string path, TaskDeclaration task, LocalDataOptions options) => Kind(path) switch
    {
        FileKind.Csv => CsvLocalReader.Read(path, task, options),
        FileKind.Npz => NpzLocalReader.Read(path, task),
        FileKind.IdxImages => IdxPairReader.Read(path, task),
        FileKind.IdxLabels => throw new DataFormatException(
            path, "this is an IDX labels file; give the images file (e.g. train-images-idx3-ubyte.gz): its labels are found beside it."),
        _ => throw new DataFormatException(path, $"the file's name says no format; {Expected}."),
    };

    private static Dataset LoadDirectory(string path, TaskDeclaration task, LocalDataOptions options)
    {
        var files = Directory.EnumerateFiles(path).Where(f => !ImageFolderReader.IsHidden(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToArray();
        var folders = Directory.EnumerateDirectories(path).Where(d => !ImageFolderReader.IsHidden(Path.GetFileName(d))).Order(StringComparer.Ordinal).ToArray();
        var csv = files.Where(f => Kind(f) == FileKind.Csv).ToArray();
        var npz = files.Where(f => Kind(f) == FileKind.Npz).ToArray();
        var idx = files.Where(f => Kind(f) == FileKind.IdxImages && IdxPairReader.LabelsFileFor(f) is not null).ToArray();
        var candidates = csv.Concat(npz).Concat(idx).ToArray();
        if (candidates.Length == 1)
        {
            return LoadFile(candidates[0], task, options);
        }

        if (candidates.Length > 1)
        {
            throw new DataFormatException(
                path, $"holds several data files ({Names(candidates)}); give the one to train on as the path.");
        }

        // Stray files beside class folders (a README, a licence) are ignored, as torchvision's ImageFolder does.
        if (folders.Length > 0 && folders.Any(ImageFolderReader.HoldsImages))
        {
            return ImageFolderReader.Read(path, task);
        }

        var found = files.Length + folders.Length == 0
            ? "it is empty"
            : $"found {files.Length} file(s){(files.Length > 0 ? $" ({Names(files)})" : string.Empty)} and {folders.Length} folder(s){(folders.Length > 0 ? $" ({Names(folders)})" : string.Empty)} with no images";
        throw new DataFormatException(path, $"no training data recognised: {found}; {Expected}.");
    }

    private static string Names(string[] paths)
    {
        const int Shown = 6;
        var names = string.Join(", ", paths.Take(Shown).Select(Path.GetFileName));
        return paths.Length > Shown ? $"{names}, ... ({paths.Length} in all)" : names;
    }

    private static FileKind Kind(string path)
    {
        var name = Path.GetFileName(path);
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return FileKind.Csv;
        }

        if (name.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            return FileKind.Npz;
        }

        var isIdx = name.EndsWith("-ubyte", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("-ubyte.gz", StringComparison.OrdinalIgnoreCase)
            || name.Contains(".idx", StringComparison.OrdinalIgnoreCase);
        return !isIdx ? FileKind.Unknown
            : name.Contains("images", StringComparison.Ordinal) ? FileKind.IdxImages
            : name.Contains("labels", StringComparison.Ordinal) ? FileKind.IdxLabels
            : FileKind.Unknown;
    }

    private enum FileKind
    {
        Unknown,
        Csv,
        Npz,
        IdxImages,
        IdxLabels,
    }
}
