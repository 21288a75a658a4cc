using System.Diagnostics;
using System.Text.Json;

namespace GossipFl.Learning.Tests.Privacy;

/// <summary>
/// Runs Reference/sampled_gaussian_rdp.py (numerical integration with numpy and scipy) under Debian's
/// /usr/bin/python3. Missing Python, numpy or scipy fails the test with what to install, never skips it.
/// </summary>
internal static class RdpReference
{
    public const string Python = "/usr/bin/python3";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    public sealed record Case(double Q, double Sigma, long Steps, double Delta, IReadOnlyList<double> Orders);

    public sealed record Result(double[] Rdp, double Classic, double Tight);

    public static IReadOnlyList<Result> Run(IReadOnlyList<Case> cases)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: install python3-numpy and python3-scipy (scripts/test.sh does).");
        var script = Path.Combine(AppContext.BaseDirectory, "Reference", "sampled_gaussian_rdp.py");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var input = JsonSerializer.Serialize(cases.Select(c => new { q = c.Q, sigma = c.Sigma, steps = c.Steps, delta = c.Delta, orders = c.Orders }));
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(Deadline))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"sampled_gaussian_rdp.py did not finish within {Deadline}.");
        }

        Assert.True(
            process.ExitCode == 0,
            $"sampled_gaussian_rdp.py exited with {process.ExitCode} (are python3-numpy and python3-scipy installed? scripts/test.sh installs them):\n{stderr.Result}");
        using var document = JsonDocument.Parse(stdout.Result);
        return document.RootElement.EnumerateArray()
            .Select(e => new Result(
                e.GetProperty("rdp").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                e.GetProperty("classic").GetDouble(),
                e.GetProperty("tight").GetDouble()))
            .ToArray();
    }
}
