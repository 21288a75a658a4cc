using System.CommandLine;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl evaluate --model FILE --data PATH</c>: loss, accuracy, per-class precision and recall and the
/// confusion matrix of a trained model on labelled data in any format the daemon reads.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "a .safetensors file gossipfl wrote, or a TorchScript .pt (with --topology)", Required = true };
        var data = new Option<string>("--data") { Description = "labelled data: .csv, .npz, an IDX pair or an image folder (as gossipfl start --data)", Required = true };
        var labelColumn = new Option<string?>("--label-column") { Description = "CSV: the label column, by header name or 0-based index (default: the last)" };
        var topology = new Option<FileInfo?>("--topology") { Description = "take the task (how to read raw files) from this topology instead of the model file" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of tables" };
        var command = new Command("evaluate", "Measure a trained model on labelled data: loss, accuracy, per-class precision and recall, confusion matrix.")
        {
            model, data, labelColumn, topology, json,
        };
        command.SetAction((parse, _) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            if (Learning.Data.LocalDataOptions.IsNoLabel(parse.GetValue(labelColumn)))
            {
                throw new UsageException("evaluate needs labels; --label-column none is for gossipfl predict");
            }

            using var trained = TrainedModel.Open(parse.GetValue(model)!.FullName, parse.GetValue(topology));
            var samples = trained.Read(parse.GetValue(data)!, parse.GetValue(labelColumn));
            var evaluation = trained.Model.Evaluate(samples);
            var predicted = new long[samples.Count];
            trained.Model.Predict(samples.Features, predicted);
            var report = new ClassificationReport(trained.Task.Classes, evaluation.Loss, samples.Labels, predicted);
            await parse.InvocationConfiguration.Output.WriteLineAsync(parse.GetValue(json) ? report.ToJson() : report.ToText()).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
