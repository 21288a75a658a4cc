using System.CommandLine;
using System.Globalization;
using System.Text;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl predict --model FILE --data PATH -o predictions.csv</c>: per row of the data, the predicted class and
/// the probability of every class. Reads every format the daemon reads; a CSV without labels needs
/// <c>--label-column none</c>.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "a .safetensors file gossipfl wrote, or a TorchScript .pt (with --topology)", Required = true };
        var data = new Option<string>("--data") { Description = ".csv, .npz, an IDX pair or an image folder (as gossipfl start --data)", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "the CSV to write: row, label (if the data has one), predicted class, one probability per class", Required = true };
        var labelColumn = new Option<string?>("--label-column") { Description = "CSV: the label column by name or 0-based index (default: the last), or none when the rows have no label" };
        var topology = new Option<FileInfo?>("--topology") { Description = "take the task (how to read raw files) from this topology instead of the model file" };
        var command = new Command("predict", "Predict the class of every row of some data with a trained model, with each class's probability.")
        {
            model, data, output, labelColumn, topology,
        };
        command.SetAction((parse, _) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            using var trained = TrainedModel.Open(parse.GetValue(model)!.FullName, parse.GetValue(topology));
            var samples = trained.Read(parse.GetValue(data)!, parse.GetValue(labelColumn));
            var labelled = !Learning.Data.LocalDataOptions.IsNoLabel(parse.GetValue(labelColumn));
            var classes = trained.Task.Classes;
            var probabilities = new float[samples.Count * classes.Count];
            trained.Model.Probabilities(samples.Features, probabilities);
            var path = parse.GetValue(output)!.FullName;
            Write(path, classes, labelled ? samples.Labels : null, probabilities);
            await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"wrote {samples.Count:N0} predictions to {path}")).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static void Write(string path, IReadOnlyList<string> classes, long[]? labels, float[] probabilities)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        writer.Write("row");
        if (labels is not null)
        {
            writer.Write(",label");
        }

        writer.Write(",predicted");
        foreach (var name in classes)
        {
            writer.Write(',');
            writer.Write(Cell("p_" + name));
        }

        writer.Write('\n');
        var count = probabilities.Length / classes.Count;
        for (var i = 0; i < count; i++)
        {
            var row = probabilities.AsSpan(i * classes.Count, classes.Count);
            var best = 0;
            for (var c = 1; c < row.Length; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            if (labels is not null)
            {
                writer.Write(',');
                writer.Write(Cell(classes[(int)labels[i]]));
            }

            writer.Write(',');
            writer.Write(Cell(classes[best]));
            foreach (var p in row)
            {
                writer.Write(',');
                writer.Write(p.ToString("R", CultureInfo.InvariantCulture));
            }

            writer.Write('\n');
        }
    }

    /// <summary>A class name as a CSV cell: quoted (RFC 4180) when it holds a comma, a quote or a line break.</summary>
    private static string Cell(string text) => text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
