using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Torch;
using GossipFl.Topology.Files;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// A trained model opened for <c>evaluate</c> and <c>predict</c>, with the task that says how to read raw files
/// for it: the task the model file carries, or the topology's (<c>--topology</c>) for a file that carries none.
/// </summary>
internal sealed class TrainedModel : IDisposable
{
    private TrainedModel(TorchModel model, ModelDescription description, TaskDeclaration task)
    {
        Model = model;
        Description = description;
        Task = task;
    }

    public TorchModel Model { get; }

    public ModelDescription Description { get; }

    public TaskDeclaration Task { get; }

    public static TrainedModel Open(string path, FileInfo? topology)
    {
        var declared = topology is null ? null : TopologyFileReader.Load(topology.FullName).Training?.Task
            ?? throw new UsageException($"{topology.FullName} declares no task (training: task:, docs/topology.md §2.4.1)");
        var fallback = declared is null ? null : new ModelDescription(ModelSpec.TorchScript(path), declared.InputShape, declared.ClassCount, declared);
        var (model, description) = ModelFile.Open(path, fallback);
        var task = declared ?? description.Task;
        if (task is null)
        {
            model.Dispose();
            throw new UsageException(
                $"{path} does not say how to read raw data for it (it was trained on a data set gossipfl generates); give --topology FILE with a training: task: section");
        }

        if (task.FeatureCount != model.FeatureCount || task.ClassCount != model.ClassCount)
        {
            model.Dispose();
            throw new UsageException(
                $"the task ({task}) does not fit {path}, a model of [{string.Join(", ", model.InputShape)}] inputs and {model.ClassCount} classes");
        }

        return new TrainedModel(model, description, task);
    }

    public Dataset Read(string data, string? labelColumn) => LocalData.Load(data, Task, new LocalDataOptions(labelColumn));

    public void Dispose() => Model.Dispose();
}
