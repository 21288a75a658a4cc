namespace GossipFl.Learning.Models;

/// <summary>
/// A safetensors file (or buffer) that cannot be read as one: the message starts with the file's path (or the name
/// given for a buffer) and then says what is wrong, so one log line is enough to find and fix the file.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    public SafeTensorsFormatException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    public SafeTensorsFormatException(string path, string problem, Exception inner)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    public string Problem { get; }
}
