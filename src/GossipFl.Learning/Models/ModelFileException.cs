namespace GossipFl.Learning.Models;

/// <summary>
/// A model file whose tensors do not fit the model they are meant for: the message starts with the file's path and
/// then has one line per mismatch (a missing or unexpected tensor, a shape or a dtype), naming the tensors involved.
/// </summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException(string path, IReadOnlyList<string> problems)
        : base($"{path}: " + string.Join("\n  ", problems))
    {
        ArgumentNullException.ThrowIfNull(problems);
        Path = path;
        Problems = problems;
    }

    public string Path { get; }

    public IReadOnlyList<string> Problems { get; }
}
