namespace GossipFl.Daemon.Node;

/// <summary>
/// Which peers a synchronous gossip node presumes down, so a dead peer costs a few round deadlines in the whole run
/// rather than one in every round (docs/algorithms.md, "Missing messages"). A trusted peer whose share has not come
/// for <see cref="After"/> rounds in a row is not waited for any more; a follower that has not taken a share for as
/// many rounds in a row is not sent any more (the share is reclaimed at once, so push-sum keeps its mass). Both end
/// as soon as the peer is heard from again: a share of any round, or the subscription a restarted daemon sends to
/// every peer it trusts. A follower that sends this node nothing (one-way trust) and was only slow would never be
/// heard from, so it is also sent a share now and then as a probe, after 3, 6, 12, … rounds (with
/// <see cref="After"/> = 3): a dead follower costs a deadline only that often, and a live one is back at the first
/// probe it acknowledges.
/// </summary>
/// <remarks>
/// A lossless run never presumes anyone down, so it stays bit-identical to the simulator. A peer that is only slow
/// (past the deadline three rounds running) is treated like a dead one until its next share arrives; the shares it
/// sends meanwhile are folded in the round they arrive, as late shares always are.
/// </remarks>
internal sealed class PresumedDownPeers(int after)
{
    private readonly Dictionary<string, int> _silentRounds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _silentSources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failedRounds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Unreachable> _unreachableFollowers = new(StringComparer.Ordinal);

    /// <summary>Consecutive rounds of silence (or of failed deliveries) after which a peer is presumed down.</summary>
    public int After { get; } = after > 0 ? after : throw new ArgumentOutOfRangeException(nameof(after), after, "must be positive");

    /// <summary>Whether this round waits for <paramref name="source"/>'s share.</summary>
    public bool IsAwaited(string source) => !_silentSources.Contains(source);

    /// <summary>A share from <paramref name="source"/> arrived; true if it had been presumed down (it is back).</summary>
    public bool Heard(string source)
    {
        _silentRounds[source] = 0;
        return _silentSources.Remove(source);
    }

    /// <summary>
    /// The round is over for <paramref name="source"/>: it was <paramref name="heard"/> in it or not. True when this
    /// round made it presumed down.
    /// </summary>
    public bool EndRound(string source, bool heard)
    {
        if (heard)
        {
            _silentRounds[source] = 0;
            return false;
        }

        var silent = _silentRounds[source] = _silentRounds.GetValueOrDefault(source) + 1;
        return silent >= After && _silentSources.Add(source);
    }

    /// <summary>
    /// Whether to send to <paramref name="follower"/> in <paramref name="round"/>: yes unless it is presumed down, has
    /// not been heard from since (<paramref name="lastHeard"/>) and is not due a probe. <paramref name="back"/> says
    /// it was presumed down and has been heard from since.
    /// </summary>
    public bool ShouldSendTo(string follower, long round, DateTimeOffset? lastHeard, out bool back)
    {
        back = false;
        if (!_unreachableFollowers.TryGetValue(follower, out var down))
        {
            return true;
        }

        if (lastHeard is { } heard && heard > down.Since)
        {
            _unreachableFollowers.Remove(follower);
            _failedRounds[follower] = 0;
            back = true;
            return true;
        }

        if (round < down.NextProbe)
        {
            return false;
        }

        _unreachableFollowers[follower] = down with { NextProbe = round + (2 * down.Interval), Interval = 2 * down.Interval };
        return true;
    }

    /// <summary>
    /// A share to <paramref name="follower"/> of <paramref name="round"/> was or was not delivered. Returns whether
    /// this made it presumed down; <paramref name="back"/> says a probe reached a follower presumed down.
    /// </summary>
    public bool Delivered(string follower, long round, bool delivered, DateTimeOffset now, out bool back)
    {
        back = false;
        if (delivered)
        {
            _failedRounds[follower] = 0;
            back = _unreachableFollowers.Remove(follower);
            return false;
        }

        var failed = _failedRounds[follower] = _failedRounds.GetValueOrDefault(follower) + 1;
        return failed >= After && _unreachableFollowers.TryAdd(follower, new Unreachable(now, round + After, After));
    }

    /// <summary>Since when a follower is presumed down, and when it is next sent a probe.</summary>
    private readonly record struct Unreachable(DateTimeOffset Since, long NextProbe, long Interval);
}
