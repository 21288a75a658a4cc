using GossipFl.Topology.Files;

namespace GossipFl.Learning.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 grey 28x28 images of clothing in 10 classes, 60,000 for
/// training and 10,000 for testing, read from the IDX files Debian's <c>dataset-fashion-mnist</c> package installs.
/// Pixels are scaled to [0, 1], then standardised with the fixed constants <see cref="PixelMean"/> and
/// <see cref="PixelStd"/> (the training set's statistics) so every peer computes bit-identical inputs.
/// </summary>
public static class FashionMnist
{
    /// <summary>Environment variable naming a directory that holds the four IDX files.</summary>
    public const string DirectoryVariable = "GOSSIPFL_FASHION_MNIST_DIR";

    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// Mean of all training pixels after scaling to [0, 1]: 0.286040 measured over the 47,040,000 pixels of
    /// train-images-idx3-ubyte, rounded to four places as it is usually quoted. A fixed constant rather than a
    /// statistic computed at load, so the result does not depend on summation order; a test checks it against
    /// the data.
    /// </summary>
    public const float PixelMean = 0.2860f;

    /// <summary>Population standard deviation of the same pixels: 0.353024, rounded to four places.</summary>
    public const float PixelStd = 0.3530f;

    public const int ImageSide = 28;

    public const int ClassCount = 10;

    public const int TrainCount = 60_000;

    public const int TestCount = 10_000;

    /// <summary>Class names by label, as the dataset's authors list them.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>
    /// Loads both sets. <paramref name="directory"/> defaults to <see cref="DirectoryVariable"/> if set, else
    /// <see cref="DefaultDirectory"/>. Each file is looked for gzipped (as Debian ships it), then uncompressed.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the four files is missing.</exception>
    /// <exception cref="DataFormatException">A file is damaged or not what its name says.</exception>
    public static DatasetSplit Load(string? directory = null)
    {
        directory ??= ResolveDirectory();
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException(
                $"Fashion-MNIST directory {directory} does not exist. {SetupHint}");
        }

        var train = LoadSet(directory, "train", "fashion-mnist-train");
        var test = LoadSet(directory, "t10k", "fashion-mnist-test");
        return new DatasetSplit(train, test);
    }

    /// <summary>The directory <see cref="Load"/> reads when given none.</summary>
    public static string ResolveDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultDirectory : fromEnvironment;
    }

    /// <summary>
    /// The task contract of Fashion-MNIST as this loader shapes it: 28x28 grey images of the ten classes, pixels
    /// 0..255 scaled to [0, 1] and standardised with <see cref="PixelMean"/> and <see cref="PixelStd"/>. A model
    /// trained in the experiment on the shared data set carries it, so it can be evaluated on raw files later.
    /// </summary>
    public static TaskDeclaration Task { get; } = new([1, ImageSide, ImageSide], ClassNames.ToArray(), (0, 255), [PixelMean], [PixelStd]);

    private static string SetupHint =>
        $"Run scripts/setup.sh (it installs the Debian package dataset-fashion-mnist), or set {DirectoryVariable} to a directory holding the four Fashion-MNIST IDX files.";

    private static Dataset LoadSet(string directory, string prefix, string name)
    {
        var imagesPath = FindFile(directory, $"{prefix}-images-idx3-ubyte");
        var labelsPath = FindFile(directory, $"{prefix}-labels-idx1-ubyte");
        var images = IdxReader.Read(imagesPath, expectedDimensionCount: 3);
        if (images.Dimensions[1] != ImageSide || images.Dimensions[2] != ImageSide)
        {
            throw new DataFormatException(
                imagesPath,
                $"images are {images.Dimensions[1]}x{images.Dimensions[2]}; Fashion-MNIST images are {ImageSide}x{ImageSide}.");
        }

        var labels = IdxReader.Read(labelsPath, expectedDimensionCount: 1);
        if (labels.Count != images.Count)
        {
            throw new DataFormatException(
                labelsPath,
                $"holds {labels.Count} labels but {imagesPath} holds {images.Count} images; the counts must match.");
        }

        var labelValues = new long[labels.Count];
        for (var i = 0; i < labelValues.Length; i++)
        {
            var label = labels.Data[i];
            if (label >= ClassCount)
            {
                throw new DataFormatException(labelsPath, $"label {i} (byte offset {8 + i}) is {label}; labels must be in [0, {ClassCount}).");
            }

            labelValues[i] = label;
        }

        // Kept as pixel bytes and standardised as rows are used: a peer copying out its part never holds all
        // 60,000 images as floats.
        return Dataset.FromCodes(name, images.Data, StandardisedPixelValues(), labelValues, [1, ImageSide, ImageSide], ClassCount);
    }

    private static string FindFile(string directory, string baseName)
    {
        var gzipped = Path.Combine(directory, baseName + ".gz");
        if (File.Exists(gzipped))
        {
            return gzipped;
        }

        var plain = Path.Combine(directory, baseName);
        if (File.Exists(plain))
        {
            return plain;
        }

        throw new FileNotFoundException($"Fashion-MNIST file {gzipped} is missing. {SetupHint}", gzipped);
    }

    /// <summary>
    /// The standardised value of each of the 256 pixel bytes, each computed once in double and rounded once to
    /// float: the same bits on every machine, and cheaper than arithmetic per pixel.
    /// </summary>
    private static float[] StandardisedPixelValues()
    {
        var table = new float[256];
        for (var b = 0; b < 256; b++)
        {
            table[b] = (float)(((b / 255.0) - PixelMean) / PixelStd);
        }

        return table;
    }
}
