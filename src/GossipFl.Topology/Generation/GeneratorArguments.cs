namespace GossipFl.Topology.Generation;

/// <summary>
/// Validated parameter values for one generator, defaults filled in. Kept in an ordinal-sorted dictionary so
/// that writing them back out is stable.
/// </summary>
public sealed class GeneratorArguments
{
    private readonly SortedDictionary<string, double> _values;

    public GeneratorArguments(GraphGenerator generator, IReadOnlyDictionary<string, double> given)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(given);
        _values = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var parameter in generator.Parameters)
        {
            _values[parameter.Name] = given.TryGetValue(parameter.Name, out var value) ? value : parameter.DefaultValue;
        }

        foreach (var name in given.Keys)
        {
            if (!_values.ContainsKey(name))
            {
                throw new ArgumentException($"generator '{generator.Name}' has no parameter '{name}'", nameof(given));
            }
        }

        Generator = generator;
    }

    public GraphGenerator Generator { get; }

    /// <summary>Every parameter with its value, in ordinal name order.</summary>
    public IEnumerable<KeyValuePair<string, double>> Values => _values;

    public int GetInt(string name) => (int)_values[name];

    public double GetDouble(string name) => _values[name];

    public bool GetBool(string name) => _values[name] != 0;
}
