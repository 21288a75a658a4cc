using System.CommandLine;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Files;
using GossipFl.Topology.Mixing;

namespace GossipFl.Daemon.Cli.Topology;

/// <summary><c>gossipfl topology show FILE [--format text|dot|json] [--round R] [--weights ...]</c>.</summary>
internal static class TopologyShowCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The topology file to show." };
        var format = new Option<string>("--format")
        {
            Description = "text (for people), dot (for Graphviz), json (for tools) or names (one node name per line, for scripts).",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "dot", "json", "names");
        var weights = new Option<string?>("--weights")
        {
            Description = "Mixing weights whose spectral gap is shown: push-sum, metropolis-hastings or row-stochastic "
                + "(default: metropolis-hastings for symmetric graphs, push-sum otherwise).",
        };
        weights.AcceptOnlyFromAmong(TopologyFormats.SchemeNames);
        var spectralLimit = new Option<int>("--spectral-limit")
        {
            Description = "Largest node count whose spectral gap is computed (dense O(n^3) eigenvalues; 0 skips it).",
            DefaultValueFactory = _ => AnalysisOptions.DefaultMaxNodesForSpectrum,
        };
        var round = TopologyOptions.Round();
        var command = new Command("show", "Show nodes, edges, degrees, connectivity, diameter and spectral gap of a topology.")
        {
            file, format, weights, round, spectralLimit,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            return UserErrors.GuardAsync(error, () =>
            {
                var r = result.GetValue(round);
                TopologyRounds.Validate(r);
                var path = result.GetValue(file)!.ToString();
                var document = TopologyFileReader.Load(path);
                if (result.GetValue(format) == "names")
                {
                    // No analysis: a script that only needs the names should not pay for a spectrum.
                    foreach (var node in document.GraphForRound(r).Names)
                    {
                        output.WriteLine(node);
                    }

                    return Task.FromResult(0);
                }

                var scheme = result.GetValue(weights) is { } name ? TopologyFormats.ParseScheme(name) : (MixingScheme?)null;
                var graph = document.GraphForRound(r);
                if (scheme == MixingScheme.MetropolisHastings && !graph.IsSymmetric)
                {
                    throw new UsageException("--weights metropolis-hastings needs a symmetric graph; this one is directed (use push-sum)");
                }

                var limit = result.GetValue(spectralLimit);
                if (limit < 0)
                {
                    throw new UsageException($"--spectral-limit must not be negative (got {limit})");
                }

                var options = new AnalysisOptions { Scheme = scheme, MaxNodesForSpectrum = limit };
                var report = TopologyAnalyzer.Analyze(graph, options, cancellationToken);
                var warnings = document.Warnings.Select(w => w.Format(path)).Concat(report.Warnings).ToArray();
                switch (result.GetValue(format))
                {
                    case "dot":
                        TopologyFormats.WriteDot(output, document, report);
                        break;
                    case "json":
                        TopologyFormats.WriteJson(output, document, report, r, warnings);
                        break;
                    default:
                        TopologyFormats.WriteText(output, document, report, r, warnings);
                        break;
                }

                return Task.FromResult(0);
            });
        });
        return command;
    }
}
