namespace GossipFl.Learning.Data;

/// <summary>
/// A data file that cannot be read as what it claims to be. The message names the file and, where it
/// applies, the line and column or byte offset at fault.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    public string Problem { get; }
}
