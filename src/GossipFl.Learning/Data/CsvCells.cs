using System.Globalization;

namespace GossipFl.Learning.Data;

/// <summary>
/// The cell rules both CSV readers share (<see cref="CsvDataset"/> and the task-checked reader behind
/// <see cref="LocalData"/>): comma-separated cells, each trimmed and stripped of one pair of surrounding double
/// quotes, numbers in the invariant culture. Cells are returned as ranges into the line, so a row of numbers is
/// parsed without allocating a string per cell; that matters for files of millions of rows.
/// </summary>
internal static class CsvCells
{
    /// <summary>Offending text is quoted up to this many characters, so one bad line cannot flood a log.</summary>
    public const int MaxQuotedText = 40;

    /// <summary>
    /// Splits <paramref name="line"/> at commas into trimmed, unquoted cells and returns how many cells the line
    /// has. Only the first <c>cells.Length</c> ranges are written; a caller that wants to see one surplus cell in
    /// an error passes a span one longer than the cells it expects.
    /// </summary>
    public static int Split(ReadOnlySpan<char> line, Span<Range> cells)
    {
        var count = 0;
        var start = 0;
        while (true)
        {
            var comma = line[start..].IndexOf(',');
            var end = comma < 0 ? line.Length : start + comma;
            if (count < cells.Length)
            {
                cells[count] = Clean(line, start, end);
            }

            count++;
            if (comma < 0)
            {
                return count;
            }

            start = end + 1;
        }
    }

    /// <summary>Number of cells <see cref="Split"/> would find, without writing any.</summary>
    public static int Count(ReadOnlySpan<char> line) => line.Count(',') + 1;

    /// <summary>The cells of a line as strings: for a header, or the few lines an error message shows.</summary>
    public static string[] SplitToStrings(string line)
    {
        var ranges = new Range[Count(line)];
        Split(line, ranges);
        return Array.ConvertAll(ranges, r => line[r]);
    }

    public static bool IsNumber(ReadOnlySpan<char> cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>
    /// A feature cell as a finite number that fits a float, or a <see cref="DataFormatException"/> naming the line
    /// and the 1-based column. The value stays a double so a caller can range-check and transform it before the
    /// single rounding to float.
    /// </summary>
    public static double ParseFeature(string path, int lineNumber, int column, ReadOnlySpan<char> cell)
    {
        if (cell.IsEmpty)
        {
            throw new DataFormatException(path, $"line {lineNumber}, column {column}: feature is empty.");
        }

        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new DataFormatException(path, $"line {lineNumber}, column {column}: feature {Quote(cell)} is not a number.");
        }

        if (!float.IsFinite((float)value))
        {
            var why = double.IsFinite(value) ? "is beyond the range of a float" : "is not finite (NaN or infinity)";
            throw new DataFormatException(path, $"line {lineNumber}, column {column}: feature {Quote(cell)} {why}.");
        }

        return value;
    }

    /// <summary>
    /// An integer written as such ("3") or as an integral float ("3.0", which tools that write every column as
    /// floating point produce). Non-integral and huge values are not integers.
    /// </summary>
    public static bool TryParseInteger(ReadOnlySpan<char> cell, out long value)
    {
        if (long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number) && Math.Floor(number) == number && Math.Abs(number) < 9.0e15)
        {
            value = (long)number;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Text in single quotes, cut to <see cref="MaxQuotedText"/> characters with "..." when longer.</summary>
    public static string Quote(ReadOnlySpan<char> text) =>
        text.Length <= MaxQuotedText ? $"'{text}'" : $"'{text[..MaxQuotedText]}...'";

    private static Range Clean(ReadOnlySpan<char> line, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(line[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(line[end - 1]))
        {
            end--;
        }

        if (end - start >= 2 && line[start] == '"' && line[end - 1] == '"')
        {
            start++;
            end--;
        }

        return start..end;
    }
}
