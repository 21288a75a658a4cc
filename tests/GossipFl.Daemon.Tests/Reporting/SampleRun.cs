using System.Globalization;
using System.Text;

namespace GossipFl.Daemon.Tests.Reporting;

/// <summary>Writes a small run directory in the metrics.jsonl format: 4 peers, one of which stops early.</summary>
internal sealed class SampleRun : IDisposable
{
    public const int Rounds = 12;
    public const string StoppedPeer = "node-3";
    public const int StoppedAfter = 7;

    public SampleRun(string? topologyFile = null)
    {
        Directory.CreateDirectory(Path);
        var c = CultureInfo.InvariantCulture;
        var lines = new StringBuilder();
        for (var round = 1; round <= Rounds; round++)
        {
            for (var node = 0; node < 4; node++)
            {
                if ($"node-{node}" == StoppedPeer && round > StoppedAfter)
                {
                    continue;
                }

                var accuracy = 0.5 + (0.03 * round) + (0.01 * node);
                lines.Append(c, $"{{\"kind\":\"node\",\"round\":{round},\"node\":\"node-{node}\",\"train_loss\":{2.0 / round:R},\"test_loss\":null,\"test_accuracy\":{accuracy:R},\"weight\":1.0,\"bytes_sent\":{round * 1000},\"bytes_received\":{round * 900},\"future_field\":\"ignored\"}}\n");
            }

            lines.Append(c, $"{{\"kind\":\"round\",\"round\":{round},\"nodes\":4,\"alive\":4,\"mean_train_loss\":{2.0 / round:R},\"regret\":{1.0 / round:R},\"mean_test_accuracy\":{0.515 + (0.03 * round):R},\"consensus_distance\":{Math.Pow(0.5, round):R},\"bytes\":{round * 4000}}}\n");
            lines.Append("{\"kind\":\"future-kind\",\"round\":1}\n");
        }

        File.WriteAllText(System.IO.Path.Combine(Path, "metrics.jsonl"), lines.ToString());
        var topology = topologyFile is null ? string.Empty : $",\"topology\":\"{topologyFile}\"";
        File.WriteAllText(System.IO.Path.Combine(Path, "run.json"), $"{{\"algorithm\":\"ops\",\"seed\":3{topology}}}");
    }

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gossipfl-run-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("GOSSIPFL_KEEP_TEST_FILES") is null)
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
