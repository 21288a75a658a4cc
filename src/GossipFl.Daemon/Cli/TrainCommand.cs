using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GossipFl.Learning.Data;
using GossipFl.Learning.Models;
using GossipFl.Learning.Privacy;
using GossipFl.Learning.Torch;
using GossipFl.Learning.Training;
using GossipFl.Topology.Files;
using Spectre.Console;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl train</c>: centralized training on the pooled data set, the baseline every federated run is
/// compared to. Defaults train the 2NN MLP on Fashion-MNIST for a few epochs.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "logreg, mlp, mlp:W1,W2,... (hidden widths), lenet, or a TorchScript file (.pt)", DefaultValueFactory = _ => "mlp" };
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist, synthetic (SUSY-like, 18 features), or a CSV file (features..., label)", DefaultValueFactory = _ => "fashion-mnist" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 5 };
        var batchSize = new Option<int>("--batch-size") { Description = "samples per optimizer step", DefaultValueFactory = _ => 64 };
        var learningRate = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 0.05 };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd or adam", DefaultValueFactory = _ => "sgd" };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 0 };
        var nesterov = new Option<bool>("--nesterov") { Description = "use Nesterov momentum (SGD)" };
        var seed = new Option<ulong>("--seed") { Description = "seeds the initial parameters, the data order and any synthetic data", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var metrics = new Option<FileInfo?>("--metrics") { Description = "also write one JSON line per epoch to this file" };
        var data = new Option<string[]>("--data") { Description = "train on these files or directories instead of --dataset (repeat for their union; formats as gossipfl start --data); needs --topology for the task" };
        var testData = new Option<string?>("--test-data") { Description = "with --data: the test set (default: a stratified 10% of the union, held out)" };
        var topology = new Option<FileInfo?>("--topology") { Description = "with --data: the topology file whose training: task: the data must fit" };
        var labelColumn = new Option<string?>("--label-column") { Description = "CSV: the label column, by header name or 0-based index (-1, the default, is the last)" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "write the trained model here (.safetensors, or .pt for a TorchScript model)" };
        var dpClip = new Option<double?>("--dp-sample-clip") { Description = "sample-level DP-SGD: clip each sample's gradient to this L2 norm (needs --dp-sample-noise)" };
        var dpNoise = new Option<double?>("--dp-sample-noise") { Description = "sample-level DP-SGD: the noise multiplier σ (Gaussian noise of σ·clip per coordinate on each batch's sum)" };
        var dpSeed = new Option<ulong?>("--dp-noise-seed") { Description = "seed the DP-SGD noise, for reproducible experiments only (default: from the OS's cryptographic random source)" };

        var command = new Command("train", "Centralized training on the pooled data: the baseline for federated runs.")
        {
            model, dataset, epochs, batchSize, learningRate, optimizer, momentum, weightDecay, nesterov, seed, threads, metrics,
            data, testData, topology, labelColumn, output, dpClip, dpNoise, dpSeed,
        };
        command.SetAction((parse, cancellation) => UserErrors.GuardAsync(() =>
        {
            var settings = new Settings(
                ParseModel(parse.GetValue(model)!),
                parse.GetValue(dataset)!,
                Positive(parse.GetValue(epochs), "--epochs"),
                Positive(parse.GetValue(batchSize), "--batch-size"),
                ParseOptimizer(parse, optimizer, learningRate, momentum, weightDecay, nesterov),
                parse.GetValue(seed),
                Positive(parse.GetValue(threads), "--threads"),
                parse.GetValue(metrics),
                OwnData(parse.GetValue(data) ?? [], parse.GetValue(testData), parse.GetValue(topology), parse.GetValue(labelColumn)),
                parse.GetValue(output),
                ParseSampleDp(parse.GetValue(dpClip), parse.GetValue(dpNoise), parse.GetValue(dpSeed)),
                parse.GetValue(dpSeed));
            return Task.FromResult(Run(settings, cancellation));
        }));
        return command;
    }

    private static int Run(Settings settings, CancellationToken cancellation)
    {
        TorchRuntime.Threads = settings.Threads;
        var data = settings.OwnData is { } own ? LoadOwn(own, settings.Seed) : DatasetCatalog.Load(settings.Dataset, new DatasetLoadOptions(Seed: settings.Seed));
        using var model = TorchModel.Create(settings.Model, data.Train, seed: settings.Seed);
        model.UseOptimizer(settings.Optimizer);
        if (settings.NoiseSeed is { } noiseSeed)
        {
            model.UseSampleDp(settings.SampleDp, noiseSeed);
        }
        else
        {
            model.UseSampleDp(settings.SampleDp);
        }

        var trainer = new CentralizedTrainer(model, data, settings.BatchSize, settings.Seed);

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "[bold]centralized training[/]: {0} on {1} ({2:N0} train / {3:N0} test samples, {4} classes)",
            Markup.Escape(settings.Model.ToString()), Markup.Escape(data.Train.Name), data.Train.Count, data.Test.Count, data.Train.ClassCount);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
            "[grey]{0:N0} parameters; {1}; batch {2}; seed {3}; libtorch {4}, {5} threads, BLAS {6}[/]",
            model.ParameterCount, Markup.Escape(settings.Optimizer.ToString()), settings.BatchSize, settings.Seed,
            Markup.Escape(TorchRuntime.TorchVersion), TorchRuntime.Threads, Markup.Escape(TorchRuntime.BlasLibrary ?? "unknown"));
        if (settings.SampleDp is { } dp)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0}; noise seed {1}[/]",
                Markup.Escape(dp.ToString()), settings.NoiseSeed is { } seed ? seed.ToString(CultureInfo.InvariantCulture) : "from the OS's random source");
        }

        using var metricsFile = settings.Metrics is null ? null : new StreamWriter(settings.Metrics.FullName, append: false);
        var best = default(EpochResult);
        for (var epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var result = RunEpoch(trainer, epoch, settings.Epochs, cancellation);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture,
                "epoch {0}/{1}  train loss {2:F4}  test loss {3:F4}  test accuracy [bold]{4:0.00%}[/]  ({5:F1} s)",
                epoch, settings.Epochs, result.TrainLoss, result.Test.Loss, result.Test.Accuracy, result.Elapsed.TotalSeconds);
            metricsFile?.WriteLine(JsonSerializer.Serialize(new
            {
                epoch,
                train_loss = result.TrainLoss,
                test_loss = result.Test.Loss,
                test_accuracy = result.Test.Accuracy,
                seconds = result.Elapsed.TotalSeconds,
            }));
            metricsFile?.Flush();
            if (result.Test.Accuracy > best.Test.Accuracy)
            {
                best = result;
            }
        }

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "best test accuracy {0:0.00%} (epoch {1})", best.Test.Accuracy, best.Epoch);
        if (settings.Output is { } output)
        {
            var task = settings.OwnData?.Task
                ?? (settings.Dataset.Trim().Equals(DatasetCatalog.FashionMnistName, StringComparison.OrdinalIgnoreCase) ? FashionMnist.Task : null);
            var description = new ModelDescription(settings.Model, data.Train.SampleShape, data.Train.ClassCount, task);
            var metadata = description.ToMetadata();
            metadata["gossipfl.algorithm"] = "centralized";
            metadata["gossipfl.round"] = settings.Epochs.ToString(CultureInfo.InvariantCulture);
            ModelFile.Save(output.FullName, model, model.GetParameters(), metadata);
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "model (last epoch) written to {0}", Markup.Escape(output.FullName));
        }

        return 0;
    }

    private static EpochResult RunEpoch(CentralizedTrainer trainer, int epoch, int epochs, CancellationToken cancellation)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return trainer.RunEpoch(epoch, null, cancellation);
        }

        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}"), maxValue: 1.0);
                return trainer.RunEpoch(epoch, new ProgressTo(task), cancellation);
            });
    }

    private static ModelSpec ParseModel(string text)
    {
        try
        {
            return ModelSpec.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--model: {ex.Message}");
        }
    }

    private static OptimizerSpec ParseOptimizer(
        ParseResult parse, Option<string> name, Option<double> learningRate, Option<double> momentum, Option<double> weightDecay, Option<bool> nesterov)
    {
        var lr = parse.GetValue(learningRate);
        if (!(lr > 0) || double.IsInfinity(lr))
        {
            throw new UsageException($"--lr must be a positive number, got {lr.ToString(CultureInfo.InvariantCulture)}");
        }

        try
        {
            return OptimizerSpec.Parse(parse.GetValue(name)!, lr, parse.GetValue(momentum), parse.GetValue(weightDecay), parse.GetValue(nesterov));
        }
        catch (FormatException ex)
        {
            throw new UsageException($"--optimizer: {ex.Message}");
        }
    }

    /// <summary>The DP-SGD settings, or null without --dp-sample-clip. The noise multiplier is never implied: σ = 0 clips without privacy.</summary>
    private static SampleDpSettings? ParseSampleDp(double? clip, double? noise, ulong? seed)
    {
        if (clip is null)
        {
            return noise is null && seed is null ? null : throw new UsageException("--dp-sample-noise and --dp-noise-seed go with --dp-sample-clip");
        }

        if (!(clip > 0) || double.IsInfinity(clip.Value))
        {
            throw new UsageException($"--dp-sample-clip must be a positive number, got {clip.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        if (noise is null)
        {
            throw new UsageException("--dp-sample-clip needs --dp-sample-noise (the noise multiplier σ; 0 clips without adding noise)");
        }

        if (!(noise >= 0) || double.IsInfinity(noise.Value))
        {
            throw new UsageException($"--dp-sample-noise must be a number not below 0, got {noise.Value.ToString(CultureInfo.InvariantCulture)}");
        }

        return new SampleDpSettings(clip.Value, noise.Value);
    }

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new UsageException($"{option} must be at least 1, got {value}");

    /// <summary>The --data files with what reading them needs; null when training on --dataset.</summary>
    private static OwnDataFiles? OwnData(string[] paths, string? testPath, FileInfo? topology, string? labelColumn)
    {
        if (paths.Length == 0)
        {
            return testPath is null ? null : throw new UsageException("--test-data goes with --data");
        }

        if (topology is null)
        {
            throw new UsageException("--data needs --topology FILE: its training: task: section says what the data must be (input shape, classes)");
        }

        var task = TopologyFileReader.Load(topology.FullName).Training?.Task ?? throw new UsageException(
            $"{topology.FullName} declares no task: add 'task:' with 'input' and 'classes' under 'training:' (docs/topology.md §2.4.1)");
        return new OwnDataFiles(paths, testPath, task, new LocalDataOptions(labelColumn));
    }

    /// <summary>The union of the --data files to train on, and --test-data or a held-out tenth of the union to test on.</summary>
    private static DatasetSplit LoadOwn(OwnDataFiles own, ulong seed)
    {
        var parts = own.Paths.Select(path => LocalData.Load(path, own.Task, own.Reading)).ToArray();
        var union = parts.Length == 1 ? parts[0] : Dataset.Concat(string.Join("+", parts.Select(p => p.Name)), parts);
        return own.TestPath is { } test
            ? new DatasetSplit(union, LocalData.Load(test, own.Task, own.Reading))
            : DatasetCatalog.HoldOut(union, 0.1, seed);
    }

    private sealed record OwnDataFiles(string[] Paths, string? TestPath, TaskDeclaration Task, LocalDataOptions Reading);

    private sealed record Settings(
        ModelSpec Model, string Dataset, int Epochs, int BatchSize, OptimizerSpec Optimizer, ulong Seed, int Threads, FileInfo? Metrics, OwnDataFiles? OwnData,
        FileInfo? Output, SampleDpSettings? SampleDp, ulong? NoiseSeed);

    /// <summary>Reports straight to the progress task; Progress&lt;T&gt; would post to the thread pool and race.</summary>
    private sealed class ProgressTo(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = value;
    }
}
