using System.Text.Json;

namespace GossipFl.Daemon.Tests.Cli;

public sealed class TrainCommandTests
{
    [Theory]
    [InlineData("--epochs", "0", "error: --epochs must be at least 1, got 0")]
    [InlineData("--batch-size", "-5", "error: --batch-size must be at least 1, got -5")]
    [InlineData("--lr", "0", "error: --lr must be a positive number, got 0")]
    [InlineData("--model", "resnet", "error: --model: unknown model 'resnet'")]
    [InlineData("--optimizer", "rmsprop", "error: --optimizer: unknown optimizer 'rmsprop': use sgd or adam")]
    public void Train_ImpossibleOption_ExitsWithUsageErrorAndNoStackTrace(string option, string value, string expected)
    {
        var result = GossipFlProcess.Run("train", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_UnknownDataset_ExitsNamingTheValidOnes()
    {
        var result = GossipFlProcess.Run("train", "--dataset", "imagenet");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("imagenet", result.Error, StringComparison.Ordinal);
        Assert.Contains("fashion-mnist, synthetic", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_MissingCsv_ExitsNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gossipfl-missing-{Guid.NewGuid():N}.csv");

        var result = GossipFlProcess.Run("train", "--dataset", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(path, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_CorruptFashionMnist_ExitsNamingTheFile()
    {
        var directory = Directory.CreateTempSubdirectory("gossipfl-fmnist-");
        try
        {
            foreach (var name in (string[])["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
            {
                File.WriteAllBytes(Path.Combine(directory.FullName, name), [0x1f, 0x8b, 8, 0, 1, 2, 3]);
            }

            var result = GossipFlProcess.Run(
                TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["GOSSIPFL_FASHION_MNIST_DIR"] = directory.FullName }, "train");

            Assert.Equal(1, result.ExitCode);
            Assert.Contains(directory.FullName, result.Error, StringComparison.Ordinal);
            Assert.Contains("ubyte.gz", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Train_ShimMissing_ExitsSayingToRunSetup()
    {
        var result = GossipFlProcess.Run(
            TimeSpan.FromMinutes(1),
            new Dictionary<string, string> { ["GOSSIPFL_NATIVE_LIB"] = "/nonexistent/libgossipfl_torch.so" },
            "train", "--dataset", "synthetic", "--model", "logreg", "--epochs", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("could not be loaded", result.Error, StringComparison.Ordinal);
        Assert.Contains("scripts/setup.sh", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_SyntheticLogReg_PrintsEpochsAndWritesMetrics()
    {
        var metrics = Path.Combine(Path.GetTempPath(), $"gossipfl-metrics-{Guid.NewGuid():N}.jsonl");
        try
        {
            var result = GossipFlProcess.Run(
                "train", "--dataset", "synthetic", "--model", "logreg", "--epochs", "2", "--threads", "1", "--metrics", metrics);

            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Contains("epoch 1/2", result.Output, StringComparison.Ordinal);
            Assert.Contains("epoch 2/2", result.Output, StringComparison.Ordinal);
            var lines = File.ReadAllLines(metrics);
            Assert.Equal(2, lines.Length);
            using var last = JsonDocument.Parse(lines[1]);
            Assert.Equal(2, last.RootElement.GetProperty("epoch").GetInt32());
            Assert.InRange(last.RootElement.GetProperty("test_accuracy").GetDouble(), 0.70, 0.85);
        }
        finally
        {
            File.Delete(metrics);
        }
    }

    [Theory]
    [InlineData("error: --dp-sample-clip must be a positive number, got 0", "--dp-sample-clip", "0", "--dp-sample-noise", "1")]
    [InlineData("error: --dp-sample-clip must be a positive number, got NaN", "--dp-sample-clip", "NaN", "--dp-sample-noise", "1")]
    [InlineData("error: --dp-sample-noise must be a number not below 0, got -1", "--dp-sample-clip", "1", "--dp-sample-noise", "-1")]
    [InlineData("error: --dp-sample-clip needs --dp-sample-noise", "--dp-sample-clip", "1")]
    [InlineData("error: --dp-sample-noise and --dp-noise-seed go with --dp-sample-clip", "--dp-sample-noise", "1")]
    public void Train_ImpossibleDpSgdOptions_ExitWithUsageError(string expected, params string[] options)
    {
        var result = GossipFlProcess.Run(["train", "--dataset", "synthetic", "--model", "logreg", .. options]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_WithSampleDp_SaysSoAndTrains()
    {
        var result = GossipFlProcess.Run(
            "train", "--dataset", "synthetic", "--model", "logreg", "--epochs", "1", "--threads", "1",
            "--dp-sample-clip", "1", "--dp-sample-noise", "0.5", "--dp-noise-seed", "3");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("DP-SGD clip 1, noise multiplier 0.5; noise seed 3", result.Output, StringComparison.Ordinal);
        Assert.Contains("epoch 1/1", result.Output, StringComparison.Ordinal);
    }
}
