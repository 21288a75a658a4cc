using System.CommandLine;
using System.Globalization;
using GossipFl.Topology;
using GossipFl.Topology.Files;
using GossipFl.Topology.Generation;

namespace GossipFl.Daemon.Cli.Topology;

/// <summary>
/// <c>gossipfl topology generate --generator NAME --nodes N [--param k=v ...] [--seed S] [-o FILE]</c>: writes
/// a generated topology file (the recipe; peers re-derive the graph), or with --explicit the graph's trust
/// lists for editing by hand.
/// </summary>
internal static class TopologyGenerateCommand
{
    public static Command Create()
    {
        var generatorOption = new Option<string>("--generator")
        {
            Description = "Generator: " + string.Join(", ", GraphGenerators.Names) + ".",
            Required = true,
        };
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes.", DefaultValueFactory = _ => 8 };
        var parameters = new Option<string[]>("--param")
        {
            Description = "A generator parameter as NAME=VALUE, repeatable (e.g. --param k=4 --param p=0.2).",
            AllowMultipleArgumentsPerToken = false,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of random generators.", DefaultValueFactory = _ => 0 };
        var timeVarying = new Option<bool>("--time-varying") { Description = "Re-draw the graph every round from (seed, round)." };
        var asExplicit = new Option<bool>("--explicit") { Description = "Write the generated graph as explicit trust lists instead of the recipe." };
        var outputFile = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of stdout." };
        var command = new Command("generate", "Generate a topology file. Generators and their --param NAME=VALUE (default):" + Environment.NewLine + Catalogue())
        {
            generatorOption, nodes, parameters, seed, timeVarying, asExplicit, outputFile,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            return UserErrors.GuardAsync(error, async () =>
            {
                var text = Generate(
                    result.GetValue(generatorOption)!,
                    result.GetValue(nodes),
                    result.GetValue(parameters) ?? [],
                    result.GetValue(seed),
                    result.GetValue(timeVarying),
                    result.GetValue(asExplicit));
                if (result.GetValue(outputFile) is { } target)
                {
                    await File.WriteAllTextAsync(target.FullName, text, cancellationToken).ConfigureAwait(false);
                    await error.WriteLineAsync($"wrote {target}").ConfigureAwait(false);
                }
                else
                {
                    await output.WriteAsync(text).ConfigureAwait(false);
                }

                return 0;
            });
        });
        return command;
    }

    /// <summary>One line per generator with its parameters and defaults, for --help.</summary>
    private static string Catalogue() => string.Join(Environment.NewLine, GraphGenerators.All.Select(g =>
        $"  {g.Name,-14} " + (g.Parameters.Count == 0 ? "(no parameters)" : string.Join(", ", g.Parameters.Select(p => $"{p.Name}={p.Format(p.DefaultValue)}")))
        + $"  {g.Description}"));

    /// <summary>The file text; throws <see cref="TopologyException"/> listing every problem with the request.</summary>
    internal static string Generate(string generatorName, int nodeCount, IReadOnlyList<string> parameters, ulong seed, bool timeVarying, bool asExplicit)
    {
        var generator = GraphGenerators.Get(generatorName);
        var problems = new List<TopologyProblem>();
        if (nodeCount < 1)
        {
            problems.Add(new TopologyProblem($"--nodes must be at least 1 (got {nodeCount})"));
        }
        else if (nodeCount > TopologyFileReader.MaxGeneratedNodes)
        {
            problems.Add(new TopologyProblem($"--nodes is {nodeCount}; at most {TopologyFileReader.MaxGeneratedNodes} nodes can be generated"));
        }

        var given = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in parameters)
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add(new TopologyProblem($"--param '{entry}' must look like NAME=VALUE"));
                continue;
            }

            var name = entry[..equals];
            var parameter = generator.Parameters.FirstOrDefault(p => p.Name == name);
            if (parameter is null)
            {
                var valid = generator.Parameters.Count == 0 ? "it takes none" : "valid parameters: " + string.Join(", ", generator.Parameters.Select(p => p.Name));
                problems.Add(new TopologyProblem($"generator '{generator.Name}' has no parameter '{name}'; {valid}"));
                continue;
            }

            if (parameter.TryParse(entry[(equals + 1)..], out var value) is { } problem)
            {
                problems.Add(new TopologyProblem(problem));
                continue;
            }

            given[name] = value;
        }

        if (timeVarying && !generator.IsRandom)
        {
            problems.Add(new TopologyProblem($"generator '{generator.Name}' draws no random numbers, so --time-varying would give the same graph every round"));
        }

        if (timeVarying && asExplicit)
        {
            problems.Add(new TopologyProblem("--explicit writes one fixed graph and cannot express --time-varying"));
        }

        var arguments = new GeneratorArguments(generator, given);
        if (problems.Count == 0)
        {
            problems.AddRange(generator.Validate(nodeCount, arguments).Select(p => new TopologyProblem($"generator '{generator.Name}': {p}")));
        }

        if (problems.Count > 0)
        {
            throw new TopologyException(null, problems);
        }

        var generated = new GeneratedTopology(arguments, nodeCount, seed, timeVarying);
        var comment = string.Create(CultureInfo.InvariantCulture, $"Generated by: gossipfl topology generate --generator {generator.Name} --nodes {nodeCount}")
            + string.Concat(arguments.Values.Select(v => $" --param {v.Key}={generator.Parameters.First(p => p.Name == v.Key).Format(v.Value)}"))
            + (generator.IsRandom ? string.Create(CultureInfo.InvariantCulture, $" --seed {seed}") : "")
            + (timeVarying ? " --time-varying" : "")
            + (asExplicit ? " --explicit" : "");
        return asExplicit
            ? TopologyFileWriter.WriteExplicit(generated.GraphFor(0), comment: comment)
            : TopologyFileWriter.WriteGenerated(generated, comment);
    }
}
