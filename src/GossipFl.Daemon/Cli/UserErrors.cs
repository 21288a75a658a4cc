using GossipFl.Daemon.Reporting;
using GossipFl.Learning.Data;
using GossipFl.Learning.Torch;
using GossipFl.Topology;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// Turns the errors a user can cause (bad arguments, bad files, a missing engine) into one clear line on
/// stderr and a non-zero exit code, instead of a stack trace. Programming errors still surface in full.
/// </summary>
internal static class UserErrors
{
    public const int ExitUsage = 2;
    public const int ExitFailure = 1;

    public static Task<int> GuardAsync(Func<Task<int>> body) => GuardAsync(Console.Error, body);

    /// <summary>As <see cref="GuardAsync(Func{Task{int}})"/>, writing to <paramref name="error"/> (the command's error writer, captured by tests).</summary>
    public static async Task<int> GuardAsync(TextWriter error, Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUserFacing(ex))
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ex is UsageException ? ExitUsage : ExitFailure;
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions is [var first, ..] inner && inner.All(IsUserFacing))
        {
            // Work run in parallel (the simulator's peers) fails as an AggregateException; several peers may fail alike
            // in one round, and the first says what happened.
            await error.WriteLineAsync($"error: {first.Message}").ConfigureAwait(false);
            return first is UsageException ? ExitUsage : ExitFailure;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("stopped.").ConfigureAwait(false);
            return 130;
        }
    }

    private static bool IsUserFacing(Exception ex) => ex is UsageException
        or DataFormatException
        or DataSpecException
        or GossipFl.Learning.Models.ModelFileException
        or GossipFl.Learning.Models.SafeTensorsFormatException
        or InvalidDataException
        or MetricsFormatException
        or GossipFl.Daemon.Node.DaemonConfigurationException
        or GossipFl.Daemon.Security.IdentityFileException
        or TorchException
        or TorchUnavailableException
        or TopologyException
        or FileNotFoundException
        or DirectoryNotFoundException
        or GossipFl.Learning.Algorithms.CompressedGossipDivergedException;
}
