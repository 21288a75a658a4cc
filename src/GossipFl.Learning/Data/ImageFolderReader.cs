using GossipFl.Topology.Files;
using StbImageSharp;

namespace GossipFl.Learning.Data;

/// <summary>
/// Reads images laid out as torchvision's <c>ImageFolder</c> expects: <c>ROOT/CLASS/**/*.png|jpg|jpeg</c>, each
/// sub-folder of the root named after a class (<see cref="TaskDeclaration.ClassOf"/>: a name or an id). Hidden
/// files and folders (a leading '.') and files of other extensions are ignored; an image that does not decode is an
/// error naming it. The task's input is [1, H, W] (decoded grey) or [3, H, W] (RGB, stored channel by channel).
/// Order is deterministic: classes by id, then folder name, then file path, ordinally.
/// </summary>
internal static class ImageFolderReader
{
    /// <summary>Larger sides are refused before decoding: stb_image would allocate the whole image first.</summary>
    private const int MaxSide = 16_384;

    /// <summary>64 Mi pixels, a 8192 x 8192 photograph; far beyond training inputs, and a bound on one decode.</summary>
    private const long MaxPixels = 1L << 26;

    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static bool IsHidden(string name) => name.StartsWith('.');

    public static bool IsImageFile(string path) =>
        !IsHidden(Path.GetFileName(path)) && Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="directory"/> holds an image file at any depth, hidden folders aside.</summary>
    public static bool HoldsImages(string directory) => ImagesUnder(directory).Any();

    public static Dataset Read(string root, TaskDeclaration task)
    {
        var shape = task.InputShape;
        if (shape.Count != 3 || shape[0] is not (1 or 3))
        {
            throw new DataFormatException(
                root, $"an image folder needs a task input of [1, H, W] (grey) or [3, H, W] (RGB); the task's is [{string.Join(", ", shape)}].");
        }

        var files = ListFiles(root, task);
        if (files.Count == 0)
        {
            throw new DataFormatException(root, "the class folders hold no .png, .jpg or .jpeg files.");
        }

        var (channels, height, width) = (shape[0], shape[1], shape[2]);
        var labels = files.Select(f => (long)f.ClassId).ToArray();
        var featureCount = task.FeatureCount;
        if ((long)files.Count * featureCount > Array.MaxLength)
        {
            throw new DataFormatException(root, $"{files.Count} images of {featureCount} values are too many for one array.");
        }

        var transform = new TaskTransform(task);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(root));
        // Pixels stay bytes unless some image needs resizing, which makes values between the bytes. Only headers
        // are read to decide.
        if (!task.Resize || files.All(f => Probe(f.Path) == (width, height)))
        {
            var codes = new byte[(long)files.Count * featureCount];
            for (var i = 0; i < files.Count; i++)
            {
                var image = Decode(files[i].Path, channels);
                CheckSize(files[i].Path, image, height, width);
                ToChannelMajor(image.Data, channels, codes.AsSpan(i * featureCount, featureCount));
            }

            return transform.FromBytes(
                name, codes, labels, (record, value) => new DataFormatException(files[(int)record - 1].Path, transform.Refusal(value) + "."));
        }

        var features = new float[(long)files.Count * featureCount];
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i].Path;
            var image = Decode(file, channels);
            var row = features.AsSpan(i * featureCount, featureCount);
            for (var c = 0; c < channels; c++)
            {
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        var raw = image.Width == width && image.Height == height
                            ? image.Data[(((y * width) + x) * channels) + c]
                            : Bilinear(image, channels, c, y, x, height, width);
                        if (!transform.TryMap(raw, c, out row[(((c * height) + y) * width) + x]))
                        {
                            throw new DataFormatException(file, transform.Refusal(raw) + ".");
                        }
                    }
                }
            }
        }

        return new Dataset(name, features, labels, shape, task.ClassCount);
    }

    private static List<(string Path, int ClassId)> ListFiles(string root, TaskDeclaration task)
    {
        var folders = new List<(int ClassId, string Name, string Path)>();
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            var folderName = Path.GetFileName(folder);
            if (IsHidden(folderName))
            {
                continue;
            }

            var id = task.ClassOf(folderName);
            if (id < 0)
            {
                throw new DataFormatException(
                    folder, $"folder {CsvCells.Quote(folderName)} is not a class of the task ({LocalData.DescribeClasses(task)}); each sub-folder of an image folder is one class.");
            }

            folders.Add((id, folderName, folder));
        }

        return folders
            .OrderBy(f => f.ClassId).ThenBy(f => f.Name, StringComparer.Ordinal)
            .SelectMany(f => ImagesUnder(f.Path)
                .Select(file => Path.GetRelativePath(f.Path, file))
                .Order(StringComparer.Ordinal)
                .Select(relative => (Path.Combine(f.Path, relative), f.ClassId)))
            .ToList();
    }

    private static IEnumerable<string> ImagesUnder(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (IsImageFile(file))
            {
                yield return file;
            }
        }

        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            if (IsHidden(Path.GetFileName(sub)))
            {
                continue;
            }

            foreach (var file in ImagesUnder(sub))
            {
                yield return file;
            }
        }
    }

    /// <summary>Width and height from the image's header, refusing sizes no training input has before any decoding.</summary>
    private static (int Width, int Height) Probe(string file)
    {
        using var stream = File.OpenRead(file);
        return Probe(file, stream);
    }

    private static (int Width, int Height) Probe(string file, Stream stream)
    {
        var info = ImageInfo.FromStream(stream) ?? throw new DataFormatException(file, "not an image stb_image can decode (PNG or JPEG).");
        if (info.Width <= 0 || info.Height <= 0 || info.Width > MaxSide || info.Height > MaxSide || (long)info.Width * info.Height > MaxPixels)
        {
            throw new DataFormatException(file, $"image size {info.Width}x{info.Height} is refused (sides up to {MaxSide}, {MaxPixels} pixels at most).");
        }

        return (info.Width, info.Height);
    }

    private static ImageResult Decode(string file, int channels)
    {
        var bytes = File.ReadAllBytes(file);
        using (var header = new MemoryStream(bytes, writable: false))
        {
            Probe(file, header);
        }

        try
        {
            return ImageResult.FromMemory(bytes, channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // stb_image reports every decoding failure (corrupt data, unsupported variant) as a plain Exception.
            throw new DataFormatException(file, $"cannot decode the image: {ex.Message}.");
        }
    }

    private static void CheckSize(string file, ImageResult image, int height, int width)
    {
        if (image.Width != width || image.Height != height)
        {
            throw new DataFormatException(
                file,
                $"image is {image.Width}x{image.Height} (width x height) but the task's input is {width}x{height}; resize the images or set resize: true in the task.");
        }
    }

    /// <summary>stb_image returns pixels interleaved (row by row, channels per pixel); the model wants [C, H, W].</summary>
    private static void ToChannelMajor(byte[] interleaved, int channels, Span<byte> planes)
    {
        var pixels = planes.Length / channels;
        for (var p = 0; p < pixels; p++)
        {
            for (var c = 0; c < channels; c++)
            {
                planes[(c * pixels) + p] = interleaved[(p * channels) + c];
            }
        }
    }

    /// <summary>
    /// Bilinear sample at output pixel (y, x) with pixel centres aligned (the convention of OpenCV's INTER_LINEAR and
    /// PyTorch's interpolate with align_corners=False): source coordinate (y + 0.5) * inH / outH - 0.5, clamped to
    /// the image. No anti-aliasing when shrinking.
    /// </summary>
    private static double Bilinear(ImageResult image, int channels, int c, int y, int x, int height, int width)
    {
        var (sy, y0, y1) = Source(y, image.Height, height);
        var (sx, x0, x1) = Source(x, image.Width, width);
        double At(int row, int column) => image.Data[(((row * image.Width) + column) * channels) + c];
        var top = At(y0, x0) + ((At(y0, x1) - At(y0, x0)) * sx);
        var bottom = At(y1, x0) + ((At(y1, x1) - At(y1, x0)) * sx);
        return top + ((bottom - top) * sy);
    }

    /// <summary>The two source indices around output index <paramref name="o"/> and the weight of the second.</summary>
    private static (double Fraction, int Low, int High) Source(int o, int inSize, int outSize)
    {
        var s = Math.Clamp(((o + 0.5) * inSize / outSize) - 0.5, 0, inSize - 1);
        var low = (int)Math.Floor(s);
        return (s - low, low, Math.Min(low + 1, inSize - 1));
    }
}
