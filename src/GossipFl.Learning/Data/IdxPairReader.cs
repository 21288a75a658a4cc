using GossipFl.Topology.Files;

namespace GossipFl.Learning.Data;

/// <summary>
/// Reads an MNIST-style pair of IDX files (<see cref="IdxReader"/>): images (N, H, W) of unsigned bytes and, beside
/// them, labels (N) that are class ids. The task's input must be one grey H x W image: [1, H, W], [H, W] or
/// [H * W]. Pixels stay bytes (<see cref="Dataset.FromCodes"/>).
/// </summary>
internal static class IdxPairReader
{
    /// <summary>
    /// The labels file for an images file: the same name with "images" replaced by "labels" and "idx3" by "idx1"
    /// (train-images-idx3-ubyte.gz → train-labels-idx1-ubyte.gz), compressed or not. Null when the name has no
    /// "images" or no such file exists.
    /// </summary>
    public static string? LabelsFileFor(string imagesPath)
    {
        var directory = Path.GetDirectoryName(imagesPath) ?? ".";
        var name = Path.GetFileName(imagesPath);
        if (!name.Contains("images", StringComparison.Ordinal))
        {
            return null;
        }

        var labels = name.Replace("images", "labels", StringComparison.Ordinal).Replace("idx3", "idx1", StringComparison.Ordinal);
        var stem = labels.EndsWith(".gz", StringComparison.Ordinal) ? labels[..^3] : labels;
        return new[] { labels, stem, stem + ".gz" }
            .Select(candidate => Path.Combine(directory, candidate))
            .FirstOrDefault(File.Exists);
    }

    public static Dataset Read(string imagesPath, TaskDeclaration task)
    {
        var labelsPath = LabelsFileFor(imagesPath) ?? throw new DataFormatException(
            imagesPath,
            "no labels file beside this images file: expected the same name with 'images' replaced by 'labels' and 'idx3' by 'idx1' (e.g. train-labels-idx1-ubyte.gz beside train-images-idx3-ubyte.gz).");
        var images = IdxReader.Read(imagesPath, expectedDimensionCount: 3);
        var (height, width) = (images.Dimensions[1], images.Dimensions[2]);
        var shape = task.InputShape;
        var fits = shape.Count switch
        {
            1 => shape[0] == height * width,
            2 => shape[0] == height && shape[1] == width,
            _ => shape[0] == 1 && shape[1] == height && shape[2] == width,
        };
        if (!fits)
        {
            throw new DataFormatException(
                imagesPath,
                $"images are {height}x{width} grey; the task's input [{string.Join(", ", shape)}] needs [1, {height}, {width}], [{height}, {width}] or [{height * width}].");
        }

        var labelBytes = IdxReader.Read(labelsPath, expectedDimensionCount: 1);
        if (labelBytes.Count != images.Count)
        {
            throw new DataFormatException(
                labelsPath, $"holds {labelBytes.Count} labels but {imagesPath} holds {images.Count} images; the counts must match.");
        }

        var labels = new long[labelBytes.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes.Data[i];
            if (labels[i] >= task.ClassCount)
            {
                throw new DataFormatException(
                    labelsPath, $"record {i + 1}: label {labels[i]} is not a class id of the task (0..{task.ClassCount - 1}).");
            }
        }

        var transform = new TaskTransform(task);
        return transform.FromBytes(
            NameOf(imagesPath),
            images.Data,
            labels,
            (record, value) => new DataFormatException(imagesPath, $"record {record}: {transform.Refusal(value)}."));
    }

    private static string NameOf(string path)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
    }
}
