using System.Text;

namespace GossipFl.Learning.Data;

/// <summary>
/// Reads users' tabular data: one sample per line, <c>feature_1,...,feature_k,label</c>, comma-separated, numbers
/// in the invariant culture (a '.' decimal point, optional exponent). Rules, all documented in docs/datasets.md:
/// <list type="bullet">
/// <item>Header: the first non-blank line is a header if any of its cells is not a number.</item>
/// <item>Blank (or whitespace-only) lines are skipped; cells are trimmed; one pair of surrounding double quotes is
/// removed from a cell. Quoted cells may not contain commas.</item>
/// <item>Features must be finite numbers that fit in a float. Labels must be integers ("3" or "3.0"). If the
/// distinct labels are exactly 0 .. C-1 they are the class ids; otherwise the distinct values, sorted, become
/// classes 0 .. C-1 (see <see cref="CsvTable.ClassLabels"/>).</item>
/// <item>At least two classes and at least one data row.</item>
/// </list>
/// The file is streamed line by line; only the parsed values are kept. Every error is a
/// <see cref="DataFormatException"/> naming the file, the 1-based line and column (field), and the offending text.
/// </summary>
public static class CsvDataset
{
    /// <summary>Reads the file as a dataset with sample shape [k].</summary>
    public static Dataset Load(string path, string? name = null) => Read(path, name).Dataset;

    /// <summary>Reads the file, keeping the column names and the label mapping.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The file breaks one of the rules above.</exception>
    public static CsvTable Read(string path, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CSV file {path} does not exist.", path);
        }

        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var features = new List<float>();
        var rawLabels = new List<long>();
        string[]? featureNames = null;
        var hasHeader = false;
        var fieldCount = 0;
        var lineNumber = 0;
        var headerLine = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (featureNames is null)
            {
                var cells = CsvCells.SplitToStrings(line);
                fieldCount = cells.Length;
                if (fieldCount < 2)
                {
                    throw new DataFormatException(
                        path,
                        $"line {lineNumber}: found {fieldCount} column, but a row needs at least one feature and a label: {CsvCells.Quote(line)}.");
                }

                hasHeader = cells.Any(c => !CsvCells.IsNumber(c));
                featureNames = hasHeader
                    ? cells[..^1]
                    : Enumerable.Range(1, fieldCount - 1).Select(i => $"feature_{i}").ToArray();
                if (hasHeader)
                {
                    headerLine = lineNumber;
                    continue;
                }
            }

            ParseRow(path, lineNumber, line, fieldCount, features, rawLabels);
        }

        if (featureNames is null)
        {
            throw new DataFormatException(path, "the file is empty: no rows of features and a label.");
        }

        if (rawLabels.Count == 0)
        {
            throw new DataFormatException(path, $"the file has a header (line {headerLine}) but no data rows.");
        }

        var classLabels = rawLabels.Distinct().Order().ToArray();
        if (classLabels.Length < 2)
        {
            throw new DataFormatException(
                path,
                $"all {rawLabels.Count} rows have label {classLabels[0]}; a classification task needs at least 2 classes.");
        }

        var labels = new long[rawLabels.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = Array.BinarySearch(classLabels, rawLabels[i]);
        }

        var dataset = new Dataset(
            name ?? Path.GetFileNameWithoutExtension(path), features.ToArray(), labels, [fieldCount - 1], classLabels.Length);
        return new CsvTable(dataset, featureNames, hasHeader, classLabels);
    }

    private static void ParseRow(string path, int lineNumber, string line, int fieldCount, List<float> features, List<long> labels)
    {
        // One range more than expected, so a surplus cell can be shown in the error.
        Span<Range> cells = fieldCount < 256 ? stackalloc Range[fieldCount + 1] : new Range[fieldCount + 1];
        var count = CsvCells.Split(line, cells);
        if (count != fieldCount)
        {
            var column = Math.Min(count, fieldCount) + 1;
            var detail = count < fieldCount
                ? $"the row ends after {count} fields"
                : $"extra field {CsvCells.Quote(line.AsSpan()[cells[fieldCount]])}";
            throw new DataFormatException(
                path,
                $"line {lineNumber}, column {column}: expected {fieldCount} fields ({fieldCount - 1} features and a label) but {detail}: {CsvCells.Quote(line)}.");
        }

        if ((long)features.Count + fieldCount - 1 > Array.MaxLength)
        {
            throw new DataFormatException(path, $"line {lineNumber}: too many values for one array; split the file.");
        }

        for (var i = 0; i < fieldCount - 1; i++)
        {
            features.Add((float)CsvCells.ParseFeature(path, lineNumber, i + 1, line.AsSpan()[cells[i]]));
        }

        var label = line.AsSpan()[cells[fieldCount - 1]];
        if (!CsvCells.TryParseInteger(label, out var value))
        {
            throw new DataFormatException(
                path,
                label.IsEmpty
                    ? $"line {lineNumber}, column {fieldCount}: label is empty."
                    : $"line {lineNumber}, column {fieldCount}: label {CsvCells.Quote(label)} is not an integer class id.");
        }

        labels.Add(value);
    }
}
