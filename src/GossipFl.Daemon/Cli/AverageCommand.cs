using System.CommandLine;
using System.Globalization;
using GossipFl.Learning.Models;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl average -o mean.safetensors A.safetensors B.safetensors ...</c>: the element-wise mean of models of one
/// architecture, e.g. the peers' final models after a run (what consensus converges to). Every file must hold the
/// same tensor names and shapes; the mean is taken in double and rounded to float once.
/// </summary>
internal static class AverageCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("FILES") { Description = "safetensors files of the same model", Arity = ArgumentArity.OneOrMore };
        var output = new Option<FileInfo>("--output", "-o") { Description = "the mean model's file (.safetensors)", Required = true };
        var command = new Command("average", "Write the element-wise mean of several models of one architecture (e.g. every peer's final model).") { files, output };
        command.SetAction((parse, _) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var inputs = parse.GetValue(files)!;
            var (first, metadata) = SafeTensorsFile.Read(inputs[0].FullName);
            var sums = first.Select(t => t.ToFloats().Select(v => (double)v).ToArray()).ToArray();
            foreach (var file in inputs.Skip(1))
            {
                var (tensors, _) = SafeTensorsFile.Read(file.FullName);
                var problems = Differences(first, tensors);
                if (problems.Count > 0)
                {
                    throw new ModelFileException(file.FullName, [.. problems, $"(compared with {inputs[0].FullName})"]);
                }

                for (var t = 0; t < tensors.Count; t++)
                {
                    var values = tensors[t].ToFloats();
                    for (var i = 0; i < values.Length; i++)
                    {
                        sums[t][i] += values[i];
                    }
                }
            }

            var mean = first.Select((t, k) => SafeTensor.FromFloats(t.Name, t.Shape, sums[k].Select(s => (float)(s / inputs.Length)).ToArray())).ToList();
            var described = new Dictionary<string, string>(metadata, StringComparer.Ordinal)
            {
                ["gossipfl.node"] = string.Create(CultureInfo.InvariantCulture, $"mean of {inputs.Length} models"),
            };
            var target = parse.GetValue(output)!.FullName;
            SafeTensorsFile.Write(target, mean, described);
            await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"wrote the mean of {inputs.Length} models to {target}")).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static List<string> Differences(IReadOnlyList<SafeTensor> expected, IReadOnlyList<SafeTensor> found)
    {
        var problems = new List<string>();
        if (!expected.Select(t => t.Name).SequenceEqual(found.Select(t => t.Name)))
        {
            problems.Add($"its tensors are [{string.Join(", ", found.Select(t => t.Name))}], not [{string.Join(", ", expected.Select(t => t.Name))}]");
            return problems;
        }

        for (var i = 0; i < expected.Count; i++)
        {
            if (!expected[i].Shape.SequenceEqual(found[i].Shape))
            {
                problems.Add($"tensor '{found[i].Name}' is [{string.Join(", ", found[i].Shape)}], not [{string.Join(", ", expected[i].Shape)}]");
            }
        }

        return problems;
    }
}
