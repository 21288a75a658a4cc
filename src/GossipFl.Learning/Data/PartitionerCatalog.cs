using System.Globalization;

namespace GossipFl.Learning.Data;

/// <summary>
/// Parses the partition specs the command line accepts: <c>iid</c>, <c>dirichlet:ALPHA</c> or
/// <c>dirichlet:ALPHA:MIN</c> (MIN = least samples per client, default 10), and <c>shards:K</c> (K classes per
/// client). Names are case-insensitive; numbers use the invariant culture.
/// </summary>
public static class PartitionerCatalog
{
    public static IReadOnlyList<string> Forms { get; } = ["iid", "dirichlet:ALPHA[:MIN]", "shards:K"];

    /// <exception cref="DataSpecException">The spec is not one of <see cref="Forms"/> or has a bad number.</exception>
    public static PartitionScheme Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Trim().Split(':');
        var kind = parts[0].Trim().ToLowerInvariant();
        switch (kind)
        {
            case "iid" when parts.Length == 1:
                return new PartitionScheme("iid", Partitioner.Iid);

            case "dirichlet" when parts.Length is 2 or 3:
                {
                    if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha)
                        || !(alpha > 0) || double.IsInfinity(alpha))
                    {
                        throw new DataSpecException(spec, $"the Dirichlet α '{parts[1]}' must be a positive number, e.g. dirichlet:0.5.");
                    }

                    var min = Partitioner.DefaultDirichletMinSamples;
                    if (parts.Length == 3 && (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out min)))
                    {
                        throw new DataSpecException(spec, $"the minimum samples per client '{parts[2]}' must be a whole number >= 0, e.g. dirichlet:0.5:10.");
                    }

                    return new PartitionScheme(
                        Partitioner.DirichletSpec(alpha, min),
                        (data, clients, seed) => Partitioner.Dirichlet(data, clients, alpha, seed, min));
                }

            case "shards" when parts.Length == 2:
                {
                    if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1)
                    {
                        throw new DataSpecException(spec, $"the classes per client '{parts[1]}' must be a whole number >= 1, e.g. shards:2.");
                    }

                    return new PartitionScheme($"shards:{k}", (data, clients, seed) => Partitioner.Shards(data, clients, k, seed));
                }

            default:
                throw new DataSpecException(spec, $"not a partition scheme; use one of: {string.Join(", ", Forms)}.");
        }
    }
}
