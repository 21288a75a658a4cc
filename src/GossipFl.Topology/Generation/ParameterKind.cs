namespace GossipFl.Topology.Generation;

/// <summary>What values a generator parameter accepts.</summary>
public enum ParameterKind
{
    /// <summary>A whole number, at least the parameter's minimum.</summary>
    WholeNumber = 0,

    /// <summary>A real number in [0, 1].</summary>
    Probability = 1,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean = 2,
}
