using System.CommandLine;
using System.Globalization;
using GossipFl.Learning.Privacy;

namespace GossipFl.Daemon.Cli;

/// <summary>
/// <c>gossipfl privacy --rounds R (--epsilon E | --noise SIGMA)</c>: the accountant on its own, to plan a run. With
/// <c>--epsilon</c> it prints the smallest σ that keeps R compositions of the (sampled) Gaussian mechanism within E at
/// δ; with <c>--noise</c> the ε that σ gives. Peer-level DP counts one composition per round a node shares, at
/// sampling rate 1 (docs/privacy.md). Sample-level DP-SGD counts one composition per optimizer step at q = B / n:
/// <c>--rounds</c> R·S (rounds times steps per round) with <c>--sample-rate</c> B/n.
/// </summary>
internal static class PrivacyCommand
{
    public static Command Create()
    {
        var rounds = new Option<long>("--rounds") { Description = "compositions: rounds a node shares (peer-level DP) or steps (DP-SGD)", Required = true };
        var epsilon = new Option<double?>("--epsilon") { Description = "the ε to reach: print the noise multiplier σ that gives it" };
        var noise = new Option<double?>("--noise") { Description = "a noise multiplier σ: print the ε it gives" };
        var delta = new Option<double>("--delta") { Description = "δ (default 1e-5)", DefaultValueFactory = _ => 1e-5 };
        var rate = new Option<double>("--sample-rate") { Description = "sampling rate q of each composition: 1 (the default) for peer-level DP, batch / the node's samples for sample-level DP-SGD", DefaultValueFactory = _ => 1.0 };
        var conversion = new Option<string>("--conversion") { Description = "RDP to (ε, δ): tight (Balle et al. 2020, the default) or classic (Mironov 2017)", DefaultValueFactory = _ => "tight" };
        var command = new Command("privacy", "The RDP accountant: the noise multiplier σ for a target ε over R rounds, or the ε a σ gives.")
        {
            rounds, epsilon, noise, delta, rate, conversion,
        };
        command.SetAction((parse, _) => UserErrors.GuardAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var r = parse.GetValue(rounds);
            var target = parse.GetValue(epsilon);
            var sigma = parse.GetValue(noise);
            var d = parse.GetValue(delta);
            var q = parse.GetValue(rate);
            var rule = parse.GetValue(conversion)!.Trim().ToLowerInvariant() switch
            {
                "tight" => RdpConversion.Tight,
                "classic" => RdpConversion.Classic,
                var other => throw new UsageException($"--conversion must be tight or classic, got '{other}'"),
            };
            if (r < 1)
            {
                throw new UsageException($"--rounds must be at least 1, got {r}");
            }

            if (!(d > 0 && d < 1))
            {
                throw new UsageException($"--delta must be in (0, 1), got {d.ToString(CultureInfo.InvariantCulture)}");
            }

            if (!(q > 0 && q <= 1))
            {
                throw new UsageException($"--sample-rate must be in (0, 1], got {q.ToString(CultureInfo.InvariantCulture)}");
            }

            if ((target is null) == (sigma is null))
            {
                throw new UsageException("give --epsilon E (to get σ) or --noise SIGMA (to get ε)");
            }

            if (target is { } e && (!(e > 0) || double.IsInfinity(e)))
            {
                throw new UsageException($"--epsilon must be a finite number > 0, got {e.ToString(CultureInfo.InvariantCulture)}");
            }

            if (sigma is { } s0 && (!(s0 >= 0) || double.IsInfinity(s0)))
            {
                throw new UsageException($"--noise must be a finite number >= 0, got {s0.ToString(CultureInfo.InvariantCulture)}");
            }

            var s = sigma ?? RdpAccountant.CalibrateNoise(target!.Value, q, r, d, rule);
            var loss = RdpAccountant.Epsilon(q, s, r, d, rule);
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"sigma {s:0.####}")).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"epsilon {loss.Epsilon:0.####} at delta {d:G3} after {r} rounds, sample rate {q:G4} (RDP order {loss.Order:0.#}, {rule.ToString().ToLowerInvariant()} conversion)")).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
