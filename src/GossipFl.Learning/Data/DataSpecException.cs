namespace GossipFl.Learning.Data;

/// <summary>
/// A dataset or partition specification (as typed on the command line, e.g. "dirichlet:0.5") that names nothing
/// known or asks for something impossible. The message quotes the spec and lists what is valid.
/// </summary>
public sealed class DataSpecException : ArgumentException
{
    public DataSpecException(string spec, string problem)
        : base($"'{spec}': {problem}")
    {
        Spec = spec;
        Problem = problem;
    }

    public string Spec { get; }

    public string Problem { get; }
}
