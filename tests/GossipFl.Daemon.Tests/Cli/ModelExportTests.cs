using System.Diagnostics;
using System.Text.Json;
using GossipFl.Daemon.Tests.Node;
using static GossipFl.Daemon.Tests.Node.OwnDataFiles;

namespace GossipFl.Daemon.Tests.Cli;

/// <summary>
/// The model leaves as a file PyTorch reads: a daemon trains on its own data, `gossipfl export` writes safetensors
/// with PyTorch state_dict names, and Debian's python3-torch loads it into the module docs/models.md documents and
/// predicts exactly what `gossipfl predict` and `gossipfl evaluate` say. TorchScript models round-trip through
/// torch.jit.load the same way.
/// </summary>
[Collection(TimedDaemonRuns.Name)]
public sealed class ModelExportTests : IDisposable
{
    private const string Python = "/usr/bin/python3";
    private const string TaskJson =
        "{\"input\":[1,28,28],\"classes\":[\"T-shirt/top\",\"Trouser\",\"Pullover\",\"Dress\",\"Coat\",\"Sandal\",\"Shirt\",\"Sneaker\",\"Bag\",\"Ankle boot\"],"
        + "\"range\":[0,255],\"normalize\":{\"mean\":[0.286],\"std\":[0.353]},\"resize\":false}";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private readonly string _root = Directory.CreateTempSubdirectory("gossipfl-export-").FullName;
    private readonly (string Directory, int[] Classes)[] _nodes;
    private readonly string _topology;

    public ModelExportTests()
    {
        // Two .npz files of Fashion-MNIST images: one to train on, one to predict and evaluate on.
        _nodes = Write(_root, 3000, alpha: 100, seed: 2, Format.Npz, Format.Npz);
        _topology = Path.Combine(_root, "solo.yaml");
        File.WriteAllText(_topology, "version: 1\nnodes:\n  - name: solo\ntraining:\n  seed: 4\n" + TaskSection);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("mlp:32")]
    [InlineData("lenet")]
    public void Export_LoadsIntoThePyTorchModule_AndPredictsWhatGossipFlPredicts(string model)
    {
        var dataDir = Train(model);

        var exported = Path.Combine(_root, "model.safetensors");
        Succeeds(GossipFlProcess.Run(Deadline, null, "export", "--data-dir", dataDir, "-o", exported));
        // The daemon's own final file is the same model of the same round, byte for byte.
        Assert.Equal(File.ReadAllBytes(Path.Combine(dataDir, "final.safetensors")), File.ReadAllBytes(exported));

        var predictions = Path.Combine(_root, "predictions.csv");
        Succeeds(GossipFlProcess.Run(Deadline, null, "predict", "--model", exported, "--data", _nodes[1].Directory, "-o", predictions));
        var evaluation = Succeeds(GossipFlProcess.Run(Deadline, null, "evaluate", "--model", exported, "--data", _nodes[1].Directory, "--json"));
        using var evaluated = JsonDocument.Parse(evaluation.Output);

        using var python = RunPython("check", exported, NpzOf(_nodes[1].Directory), predictions);
        var samples = python.RootElement.GetProperty("samples").GetInt32();
        Assert.Equal(evaluated.RootElement.GetProperty("samples").GetInt32(), samples);
        Assert.Equal(samples, python.RootElement.GetProperty("same_classes").GetInt32());
        Assert.True(python.RootElement.GetProperty("max_probability_difference").GetDouble() <= 1e-5, python.RootElement.ToString());
        Assert.Equal(evaluated.RootElement.GetProperty("accuracy").GetDouble(), python.RootElement.GetProperty("accuracy").GetDouble(), 12);
        Assert.True(evaluated.RootElement.GetProperty("accuracy").GetDouble() > 0.5, $"the model did not learn: {evaluation.Output}");
    }

    [Fact]
    public void TorchScriptModel_TrainedFederatedly_RoundTripsThroughTorchJitLoad()
    {
        var scripted = Path.Combine(_root, "classifier.pt");
        RunPython("script", scripted).Dispose();
        var dataDir = Train(scripted);
        var final = Path.Combine(dataDir, "final.pt");
        Assert.True(File.Exists(final), "the daemon wrote no final.pt");

        var predictions = Path.Combine(_root, "predictions.csv");
        Succeeds(GossipFlProcess.Run(Deadline, null, "predict", "--model", final, "--topology", _topology, "--data", _nodes[1].Directory, "-o", predictions));
        var task = Path.Combine(_root, "task.json");
        File.WriteAllText(task, TaskJson);

        using var python = RunPython("jit", final, NpzOf(_nodes[1].Directory), predictions, task);
        Assert.Equal(python.RootElement.GetProperty("samples").GetInt32(), python.RootElement.GetProperty("same_classes").GetInt32());
        Assert.True(python.RootElement.GetProperty("max_probability_difference").GetDouble() <= 1e-5, python.RootElement.ToString());
    }

    [Fact]
    public void Init_FromAnExportedFile_StartsFromItsWeights_AndAFileOfAnotherModelIsRefusedByName()
    {
        var dataDir = Train("mlp:32");
        var exported = Path.Combine(_root, "model.safetensors");
        Succeeds(GossipFlProcess.Run(Deadline, null, "export", "--data-dir", dataDir, "-o", exported));

        // A node started from the export, trained for 0 steps' worth (one round at a learning rate too small to move a
        // float), evaluates exactly as the exported model does.
        var fresh = Path.Combine(_root, "fresh");
        Succeeds(GossipFlProcess.Run(Deadline, null, "start", "--topology", _topology, "--node", "solo", "--no-mdns", "--status-port", "-1", "--peer-wait", "0",
            "--data-dir", fresh, "--data", _nodes[0].Directory, "--model", "mlp:32", "--init", exported, "--rounds", "1", "--local-steps", "1", "--lr", "1e-30"));
        var before = Succeeds(GossipFlProcess.Run(Deadline, null, "evaluate", "--model", exported, "--data", _nodes[1].Directory, "--json")).Output;
        var after = Succeeds(GossipFlProcess.Run(Deadline, null, "evaluate", "--model", Path.Combine(fresh, "final.safetensors"), "--data", _nodes[1].Directory, "--json")).Output;
        Assert.Equal(before, after);

        var wrong = GossipFlProcess.Run(Deadline, null, "start", "--topology", _topology, "--node", "solo", "--no-mdns", "--status-port", "-1", "--peer-wait", "0",
            "--data-dir", Path.Combine(_root, "wrong"), "--data", _nodes[0].Directory, "--model", "mlp:64", "--init", exported);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"error: {exported}: tensor 'fc0.weight' is [32, 784], the model's is [64, 784]", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", wrong.Error, StringComparison.Ordinal);
    }

    /// <summary>One node trains alone on the first file; returns its data directory.</summary>
    private string Train(string model)
    {
        var dataDir = Path.Combine(_root, "node-" + Guid.NewGuid().ToString("N")[..6]);
        var run = Succeeds(GossipFlProcess.Run(Deadline, null, "start", "--topology", _topology, "--node", "solo", "--no-mdns", "--status-port", "-1", "--peer-wait", "0",
            "--data-dir", dataDir, "--data", _nodes[0].Directory, "--model", model, "--rounds", "4", "--local-steps", "25", "--eval-every", "0", "--threads", "2"));
        // One closing line names the file (a run once also logged "the model is in none" after it).
        var finished = (run.Output + "\n" + run.Error).Split('\n').Where(line => line.Contains("finished all", StringComparison.Ordinal)).ToArray();
        var final = Path.Combine(dataDir, model == "lenet" || model.StartsWith("mlp", StringComparison.Ordinal) ? "final.safetensors" : "final.pt");
        Assert.True(finished.Length == 1 && finished[0].EndsWith($"finished all 4 rounds; the model is in {final}", StringComparison.Ordinal), string.Join("\n", finished));
        return dataDir;
    }

    private static string NpzOf(string directory) => Directory.GetFiles(directory, "*.npz").Single();

    private static GossipFlProcess.Result Succeeds(GossipFlProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Error}\n{result.Output}");
        return result;
    }

    private static JsonDocument RunPython(params string[] arguments)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: run scripts/setup.sh (installs python3-torch).");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["PYTHONPATH"] = Path.Combine(RepoPaths.Root, "python");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Reference", "model_check.py"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(Deadline), "model_check.py did not finish");
        Assert.True(process.ExitCode == 0, $"model_check.py {arguments[0]} exited {process.ExitCode} (is python3-torch installed? run scripts/setup.sh):\n{stderr.Result}");
        return JsonDocument.Parse(stdout.Result.Length == 0 ? "{}" : stdout.Result);
    }
}
