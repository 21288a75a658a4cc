using System.Globalization;
using System.Text;
using GossipFl.Topology.Files;

namespace GossipFl.Learning.Data;

/// <summary>
/// Reads a CSV file against a task (docs/datasets.md, "A node's own data"): the label column chosen by
/// <see cref="LocalDataOptions.LabelColumn"/>, labels mapped with <see cref="TaskDeclaration.ClassOf"/>, every
/// other column a feature, as many as the task's input has values. Cells follow <see cref="CsvCells"/>.
/// </summary>
/// <remarks>
/// Two passes over the file: the first counts the data rows, so the second parses straight into one exactly-sized
/// float array. Growing a list instead would, at its last doubling, hold up to three times the data (the old
/// buffer, the new one and the final copy); here the peak is the data itself plus a line.
/// </remarks>
internal static class CsvLocalReader
{
    public static Dataset Read(string path, TaskDeclaration task, LocalDataOptions options)
    {
        var (rows, firstLine, firstLineNumber) = Survey(path);
        if (firstLine is null)
        {
            throw new DataFormatException(path, "the file is empty: no rows of features and a label.");
        }

        var fieldCount = CsvCells.Count(firstLine);
        var unlabelled = LocalDataOptions.IsNoLabel(options.LabelColumn);
        if (fieldCount < 2 && !unlabelled)
        {
            throw new DataFormatException(
                path,
                $"line {firstLineNumber}: found 1 column, but a row needs at least one feature and a label: {CsvCells.Quote(firstLine)}.");
        }

        var firstCells = CsvCells.SplitToStrings(firstLine);
        var namedColumn = false;
        var labelColumn = unlabelled ? -1 : ResolveLabelColumn(path, firstLineNumber, firstCells, options.LabelColumn, out namedColumn);
        var hasHeader = namedColumn || IsHeader(firstCells, labelColumn, task);
        var featureCount = unlabelled ? fieldCount : fieldCount - 1;
        if (featureCount != task.FeatureCount)
        {
            throw new DataFormatException(
                path,
                $"line {firstLineNumber}: {featureCount} feature columns{(unlabelled ? " (and no label)" : " (and a label)")}, but the task's input [{string.Join(", ", task.InputShape)}] has {task.FeatureCount} values.");
        }

        var sampleCount = rows - (hasHeader ? 1 : 0);
        if (sampleCount == 0)
        {
            throw new DataFormatException(path, $"the file has a header (line {firstLineNumber}) but no data rows.");
        }

        if ((long)sampleCount * featureCount > Array.MaxLength)
        {
            throw new DataFormatException(path, $"{sampleCount} rows of {featureCount} features are too many values for one array; split the file.");
        }

        var features = new float[(long)sampleCount * featureCount];
        var labels = new long[sampleCount];
        Parse(path, task, hasHeader, fieldCount, labelColumn, features, labels);
        return new Dataset(Path.GetFileNameWithoutExtension(path), features, labels, task.InputShape, task.ClassCount);
    }

    /// <summary>Counts non-blank lines and returns the first, the one that may be a header.</summary>
    private static (int Rows, string? FirstLine, int FirstLineNumber) Survey(string path)
    {
        using var reader = Open(path);
        var rows = 0;
        string? first = null;
        var firstNumber = 0;
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (first is null)
            {
                first = line;
                firstNumber = lineNumber;
            }

            rows = checked(rows + 1);
        }

        return (rows, first, firstNumber);
    }

    private static void Parse(string path, TaskDeclaration task, bool hasHeader, int fieldCount, int labelColumn, float[] features, long[] labels)
    {
        var transform = new TaskTransform(task);
        using var reader = Open(path);
        // One range more than the row should have, so a surplus cell can be shown in the error.
        var cells = new Range[fieldCount + 1];
        var skipHeader = hasHeader;
        var sample = 0;
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (skipHeader)
            {
                skipHeader = false;
                continue;
            }

            if (sample == labels.Length)
            {
                throw new DataFormatException(path, $"line {lineNumber}: the file grew while it was being read.");
            }

            var count = CsvCells.Split(line, cells);
            if (count != fieldCount)
            {
                var column = Math.Min(count, fieldCount) + 1;
                var detail = count < fieldCount
                    ? $"the row ends after {count} fields"
                    : $"extra field {CsvCells.Quote(line.AsSpan()[cells[fieldCount]])}";
                throw new DataFormatException(
                    path,
                    $"line {lineNumber}, column {column}: expected {fieldCount} fields ({(labelColumn < 0 ? $"{fieldCount} features" : $"{fieldCount - 1} features and a label")}) but {detail}: {CsvCells.Quote(line)}.");
            }

            var featureCount = labelColumn < 0 ? fieldCount : fieldCount - 1;
            var row = features.AsSpan(sample * featureCount, featureCount);
            var j = 0;
            for (var i = 0; i < fieldCount; i++)
            {
                if (i == labelColumn)
                {
                    continue;
                }

                var raw = CsvCells.ParseFeature(path, lineNumber, i + 1, line.AsSpan()[cells[i]]);
                if (!transform.TryMap(raw, transform.ChannelOf(j), out row[j]))
                {
                    throw new DataFormatException(path, $"line {lineNumber}, column {i + 1}: {transform.Refusal(raw)}.");
                }

                j++;
            }

            // Unlabelled rows (only for prediction) get class 0, which nothing reads.
            labels[sample] = labelColumn < 0 ? 0 : ParseLabel(path, lineNumber, labelColumn + 1, line.AsSpan()[cells[labelColumn]], task);
            sample++;
        }

        if (sample != labels.Length)
        {
            throw new DataFormatException(path, $"the file shrank while it was being read: {sample} data rows, {labels.Length} counted before.");
        }
    }

    private static long ParseLabel(string path, int lineNumber, int column, ReadOnlySpan<char> cell, TaskDeclaration task)
    {
        if (cell.IsEmpty)
        {
            throw new DataFormatException(path, $"line {lineNumber}, column {column}: label is empty.");
        }

        var id = ClassOf(cell, task);
        return id >= 0
            ? id
            : throw new DataFormatException(path, $"line {lineNumber}, column {column}: label {CsvCells.Quote(cell)} is not a class of the task ({LocalData.DescribeClasses(task)}).");
    }

    /// <summary>
    /// <see cref="TaskDeclaration.ClassOf"/>, plus ids written as integral floats ("3.0"), which tools that write
    /// every column as floating point produce.
    /// </summary>
    private static int ClassOf(ReadOnlySpan<char> cell, TaskDeclaration task)
    {
        var id = task.ClassOf(cell.ToString());
        if (id < 0 && CsvCells.TryParseInteger(cell, out var number) && number >= 0 && number < task.ClassCount)
        {
            id = (int)number;
        }

        return id;
    }

    /// <summary>
    /// The first non-blank line is a header when any feature cell is not a number, or the label cell is neither a
    /// class of the task nor a number. "A number" rather than "an id in range": a first row with label 7 for a
    /// 3-class task, or 1.5, is a data row with a bad label, and is reported as such instead of silently skipped.
    /// </summary>
    private static bool IsHeader(string[] cells, int labelColumn, TaskDeclaration task)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            var isLabel = i == labelColumn;
            if (!CsvCells.IsNumber(cells[i]) && !(isLabel && task.ClassOf(cells[i]) >= 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The 0-based label column: the last by default; an integer is an index (negative from the end); other text
    /// is a header name, which makes the first line the header.
    /// </summary>
    private static int ResolveLabelColumn(string path, int lineNumber, string[] firstCells, string? spec, out bool named)
    {
        named = false;
        var count = firstCells.Length;
        if (spec is null)
        {
            return count - 1;
        }

        if (int.TryParse(spec.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            if (index < -count || index >= count)
            {
                throw new DataFormatException(
                    path,
                    $"label column {index} is out of range: line {lineNumber} has {count} columns (indices 0..{count - 1}, or -{count}..-1 from the end).");
            }

            return index < 0 ? count + index : index;
        }

        var column = Array.IndexOf(firstCells, spec);
        if (column < 0)
        {
            throw new DataFormatException(
                path,
                $"label column {CsvCells.Quote(spec)} is not in the header (line {lineNumber}, {count} columns: {DescribeCells(firstCells)}); give a header name or a 0-based index.");
        }

        named = true;
        return column;
    }

    private static string DescribeCells(string[] cells)
    {
        const int Shown = 10;
        var names = string.Join(", ", cells.Take(Shown).Select(c => CsvCells.Quote(c)));
        return cells.Length > Shown ? names + ", ..." : names;
    }

    private static StreamReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
}
