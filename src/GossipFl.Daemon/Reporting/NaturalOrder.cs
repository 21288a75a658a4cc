namespace GossipFl.Daemon.Reporting;

/// <summary>Orders names with their numbers as numbers: node-2 before node-10.</summary>
internal sealed class NaturalOrder : IComparer<string>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return string.CompareOrdinal(x, y);
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (startX, startY) = (i, j);
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                // Compare digit runs by length after leading zeros, then digit by digit: no overflow on long runs.
                var runX = x.AsSpan(startX, i - startX).TrimStart('0');
                var runY = y.AsSpan(startY, j - startY).TrimStart('0');
                var byNumber = runX.Length != runY.Length ? runX.Length.CompareTo(runY.Length) : runX.SequenceCompareTo(runY);
                if (byNumber != 0)
                {
                    return byNumber;
                }

                continue;
            }

            if (x[i] != y[j])
            {
                return x[i].CompareTo(y[j]);
            }

            i++;
            j++;
        }

        var rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }
}
