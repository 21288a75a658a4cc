using System.Diagnostics;
using GossipFl.Daemon.Tests.Cli;

namespace GossipFl.Daemon.Tests.Reporting;

/// <summary>
/// The report as a person sees it: `gossipfl report` writes the page, headless Chromium (Debian `chromium`)
/// renders it offline, and the screenshot must show the charts' lines and the topology's peers in their colours.
/// </summary>
public sealed class ReportInBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void Report_RenderedInChromium_ShowsChartsAndTopology()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/setup.sh (installs the Debian package chromium).");
        using var sample = new SampleRun(topologyFile: "ring-4.yaml");
        File.WriteAllText(Path.Combine(sample.Path, "ring-4.yaml"), """
            version: 1
            nodes:
              - { name: node-0, trusts: [node-1, node-3] }
              - { name: node-1, trusts: [node-0, node-2] }
              - { name: node-2, trusts: [node-1, node-3] }
              - { name: node-3, trusts: [node-2, node-0] }
            """);
        var html = Path.Combine(sample.Path, "report.html");
        var screenshot = Path.Combine(sample.Path, "report.png");

        var result = GossipFlProcess.Run("report", sample.Path, "-o", html);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("12 rounds, 4 peers", result.Output, StringComparison.Ordinal);
        RunChromium(sample.Path, $"--screenshot={screenshot}", "--window-size=1600,1700", new Uri(html).AbsoluteUri);

        var image = PngImage.Read(screenshot);
        Assert.Equal(1600, image.Width);
        // Series colours of node-0 and node-1, the thick near-black mean lines, and the blue peer discs.
        Assert.True(image.Count(0x1f, 0x77, 0xb4) > 800, $"blue (node-0 line and peer discs): {image.Count(0x1f, 0x77, 0xb4)} pixels");
        Assert.True(image.Count(0xff, 0x7f, 0x0e) > 150, $"orange (node-1 line): {image.Count(0xff, 0x7f, 0x0e)} pixels");
        Assert.True(image.Count(0x11, 0x11, 0x11, tolerance: 4) > 800, $"mean lines: {image.Count(0x11, 0x11, 0x11, tolerance: 4)} pixels");
        // The peer that stopped early is drawn hollow with a red ring.
        Assert.True(image.Count(0xd6, 0x27, 0x28) > 40, $"red (stopped peer): {image.Count(0xd6, 0x27, 0x28)} pixels");
    }

    private static void RunChromium(string workDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        // Flags from the machine notes: no sandbox as root, and no background networking on a closed network.
        foreach (var flag in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                     $"--user-data-dir={Path.Combine(workDirectory, "chromium-profile")}", .. arguments])
        {
            start.ArgumentList.Add(flag);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start chromium");
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 60 s");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {stderr.Result}");
    }
}
