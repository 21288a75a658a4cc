using System.Globalization;
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
    private const int MaxQuotedText = 40;

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

            var cells = line.Split(',');
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = Unquote(cells[i].Trim());
            }

            if (featureNames is null)
            {
                fieldCount = cells.Length;
                if (fieldCount < 2)
                {
                    throw new DataFormatException(
                        path,
                        $"line {lineNumber}: found {fieldCount} column, but a row needs at least one feature and a label: {Quote(line)}.");
                }

                hasHeader = cells.Any(c => !double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                featureNames = hasHeader
                    ? cells[..^1]
                    : Enumerable.Range(1, fieldCount - 1).Select(i => $"feature_{i}").ToArray();
                if (hasHeader)
                {
                    headerLine = lineNumber;
                    continue;
                }
            }

            ParseRow(path, lineNumber, line, cells, fieldCount, features, rawLabels);
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

    private static void ParseRow(string path, int lineNumber, string line, string[] cells, int fieldCount, List<float> features, List<long> labels)
    {
        if (cells.Length != fieldCount)
        {
            var column = Math.Min(cells.Length, fieldCount) + 1;
            var detail = cells.Length < fieldCount
                ? $"the row ends after {cells.Length} fields"
                : $"extra field {Quote(cells[fieldCount])}";
            throw new DataFormatException(
                path,
                $"line {lineNumber}, column {column}: expected {fieldCount} fields ({fieldCount - 1} features and a label) but {detail}: {Quote(line)}.");
        }

        if ((long)features.Count + fieldCount - 1 > Array.MaxLength)
        {
            throw new DataFormatException(path, $"line {lineNumber}: too many values for one array; split the file.");
        }

        for (var i = 0; i < fieldCount - 1; i++)
        {
            var cell = cells[i];
            if (cell.Length == 0)
            {
                throw new DataFormatException(path, $"line {lineNumber}, column {i + 1}: feature is empty.");
            }

            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new DataFormatException(path, $"line {lineNumber}, column {i + 1}: feature {Quote(cell)} is not a number.");
            }

            var single = (float)value;
            if (!float.IsFinite(single))
            {
                var why = double.IsFinite(value) ? "is beyond the range of a float" : "is not finite (NaN or infinity)";
                throw new DataFormatException(path, $"line {lineNumber}, column {i + 1}: feature {Quote(cell)} {why}.");
            }

            features.Add(single);
        }

        labels.Add(ParseLabel(path, lineNumber, fieldCount, cells[^1]));
    }

    private static long ParseLabel(string path, int lineNumber, int column, string cell)
    {
        if (long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var label))
        {
            return label;
        }

        // Tools that write every column as floating point produce "3.0"; accept integral values only.
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && Math.Floor(value) == value && Math.Abs(value) < 9.0e15)
        {
            return (long)value;
        }

        throw new DataFormatException(
            path,
            cell.Length == 0
                ? $"line {lineNumber}, column {column}: label is empty."
                : $"line {lineNumber}, column {column}: label {Quote(cell)} is not an integer class id.");
    }

    private static string Unquote(string cell) =>
        cell.Length >= 2 && cell[0] == '"' && cell[^1] == '"' ? cell[1..^1] : cell;

    private static string Quote(string text) =>
        text.Length <= MaxQuotedText ? $"'{text}'" : $"'{text[..MaxQuotedText]}...'";
}
