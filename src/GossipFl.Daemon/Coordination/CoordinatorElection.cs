using GossipFl.Daemon.Protocol;
using GossipFl.Learning.Data;

namespace GossipFl.Daemon.Coordination;

/// <summary>
/// One peer's side of the FedAvg coordinator election: the leader election of Raft (Ongaro and Ousterhout, "In
/// Search of an Understandable Consensus Algorithm", USENIX ATC 2014, §5.2 and §5.4.1), with the newest global
/// model's round in place of Raft's log. Pure and single-threaded: the caller passes the time and the messages in
/// and sends the messages it gets back, so tests can run whole clusters on a virtual clock.
/// </summary>
/// <remarks>
/// Rules (docs/algorithms.md has the guarantees):
/// <list type="bullet">
/// <item>A follower that hears no coordinator for a random election timeout first asks every member whether it
/// would vote for it in term + 1 (Raft's pre-vote, Ongaro's thesis §9.6), changing nothing; only with a quorum of
/// yes does it start term + 1, vote for itself, store that vote, and ask for real votes. A member says yes only if
/// it has not heard a coordinator for the shortest election timeout and the asker's model is at least as new.
/// So a peer cut off from the quorum never raises its term, and does not depose the coordinator when it returns.</item>
/// <item>A peer grants at most one vote per term (stored before it answers), and only to a candidate whose global
/// model is at least as new as its own, so a new coordinator never goes back to an older model than a quorum holds.</item>
/// <item>A candidate with <see cref="ElectionOptions.Quorum"/> votes is coordinator of that term and sends
/// heartbeats; any message of a higher term makes a peer a follower of that term.</item>
/// <item>A coordinator that has not heard from a quorum (itself included) within the longest election timeout
/// steps down, so the minority side of a partition is left without one.</item>
/// </list>
/// </remarks>
internal sealed class CoordinatorElection
{
    private readonly ElectionOptions _options;
    private readonly Action<ElectionVote> _persist;
    private readonly Xoshiro256StarStar _random;
    private readonly HashSet<string> _votes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _preVotes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TimeSpan> _lastReply = new(StringComparer.Ordinal);
    private readonly string[] _others;
    private TimeSpan _electionDeadline;
    private TimeSpan _nextHeartbeat;
    private TimeSpan _coordinatorSince;
    private TimeSpan? _lastCoordinatorContact;
    private bool _preVoting;

    /// <param name="persist">Stores the term and vote durably; called before any message that depends on them is returned.</param>
    public CoordinatorElection(ElectionOptions options, ElectionVote stored, Action<ElectionVote> persist, ulong seed, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _persist = persist;
        _random = new Xoshiro256StarStar(seed);
        _others = options.Members.Where(m => m != options.Self).ToArray();
        Term = stored.Term;
        VotedFor = stored.VotedFor;
        ResetElectionTimer(now);
    }

    public string Self => _options.Self;

    public long Term { get; private set; }

    public string? VotedFor { get; private set; }

    public ElectionRole Role { get; private set; } = ElectionRole.Follower;

    /// <summary>The coordinator of <see cref="Term"/> as far as this peer knows; null while there is none.</summary>
    public string? Coordinator { get; private set; }

    /// <summary>Round of the newest global model this peer holds (-1 for the initial model); the caller keeps it current.</summary>
    public long LastRound { get; set; } = -1;

    /// <summary>Claims by another member to coordinate the term this peer coordinates (never, unless a member is faulty).</summary>
    public long ConflictingClaims { get; private set; }

    /// <summary>When this peer became coordinator (meaningful while <see cref="Role"/> is Coordinator).</summary>
    public TimeSpan CoordinatorSince => _coordinatorSince;

    /// <summary>
    /// Advances the timers: a follower or candidate whose election timeout passed starts an election; a
    /// coordinator sends heartbeats when due and steps down when it has lost its quorum.
    /// </summary>
    public void Tick(TimeSpan now, ICollection<(string To, ElectionMessage Message)> outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        if (Role != ElectionRole.Coordinator)
        {
            if (now >= _electionDeadline)
            {
                StartPreVote(now, outbox);
            }

            return;
        }

        if (LivePeers(now, _options.ElectionTimeoutMax).Count + 1 < _options.Quorum)
        {
            StepDown(now);
            return;
        }

        if (now >= _nextHeartbeat)
        {
            _nextHeartbeat = now + _options.HeartbeatInterval;
            foreach (var peer in _others)
            {
                outbox.Add((peer, new ElectionMessage(ElectionMessageKind.Heartbeat, Term, LastRound)));
            }
        }
    }

    /// <summary>Handles one message from an authenticated member; answers go to <paramref name="outbox"/>.</summary>
    public void Receive(string from, ElectionMessage message, TimeSpan now, ICollection<(string To, ElectionMessage Message)> outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        if (from == _options.Self || !_options.Members.Contains(from, StringComparer.Ordinal))
        {
            return;
        }

        // A pre-vote request names the term its sender might start, and a pre-vote echoes it: neither is a
        // message of that term, so neither moves anyone's term.
        if (message.Term > Term && !message.PreVote)
        {
            AdoptTerm(message.Term, now);
        }

        switch (message.Kind)
        {
            case ElectionMessageKind.VoteRequest when message.PreVote:
                var wouldVote = message.Term > Term && message.Round >= LastRound
                    && Role != ElectionRole.Coordinator && (_lastCoordinatorContact is not { } contact || now - contact >= _options.ElectionTimeoutMin);
                outbox.Add((from, new ElectionMessage(ElectionMessageKind.Vote, message.Term, LastRound, wouldVote, PreVote: true)));
                break;

            case ElectionMessageKind.Vote when message.PreVote:
                if (_preVoting && message.Term == Term + 1 && message.Granted && _preVotes.Add(from) && _preVotes.Count >= _options.Quorum)
                {
                    StartElection(now, outbox);
                }

                break;

            case ElectionMessageKind.VoteRequest:
                var granted = message.Term == Term && (VotedFor is null || VotedFor == from) && message.Round >= LastRound;
                if (granted)
                {
                    VotedFor = from;
                    _persist(new ElectionVote(Term, VotedFor));
                    ResetElectionTimer(now);
                }

                outbox.Add((from, new ElectionMessage(ElectionMessageKind.Vote, Term, LastRound, granted)));
                break;

            case ElectionMessageKind.Vote:
                if (Role == ElectionRole.Candidate && message.Term == Term && message.Granted && _votes.Add(from) && _votes.Count >= _options.Quorum)
                {
                    BecomeCoordinator(now, outbox);
                }

                break;

            case ElectionMessageKind.Heartbeat:
                ObserveCoordinator(from, message.Term, now);
                outbox.Add((from, new ElectionMessage(ElectionMessageKind.HeartbeatReply, Term, LastRound)));
                break;

            case ElectionMessageKind.HeartbeatReply:
                if (Role == ElectionRole.Coordinator && message.Term == Term)
                {
                    _lastReply[from] = now;
                }

                break;
        }
    }

    /// <summary>
    /// A message from <paramref name="from"/> as coordinator of <paramref name="term"/> (a heartbeat, or a FedAvg
    /// message): a peer of that term follows it and restarts its election timer. Returns whether the sender is
    /// this peer's coordinator now; false for a deposed coordinator's message from an older term.
    /// </summary>
    public bool ObserveCoordinator(string from, long term, TimeSpan now)
    {
        if (term > Term)
        {
            AdoptTerm(term, now);
        }

        if (term < Term || from == _options.Self)
        {
            return false;
        }

        if (Role == ElectionRole.Coordinator)
        {
            // Votes cannot elect two coordinators in one term; only a faulty or hostile member can claim ours.
            // Keep the role, refuse the claim and let the caller report it.
            ConflictingClaims++;
            return false;
        }

        Role = ElectionRole.Follower;
        Coordinator = from;
        _preVoting = false;
        _lastCoordinatorContact = now;
        ResetElectionTimer(now);
        return true;
    }

    /// <summary>Peers a coordinator heard from within <paramref name="window"/> (live clients for sampling).</summary>
    public IReadOnlyList<string> LivePeers(TimeSpan now, TimeSpan window)
    {
        var live = new List<string>();
        foreach (var peer in _others)
        {
            if (_lastReply.TryGetValue(peer, out var at) && now - at <= window)
            {
                live.Add(peer);
            }
        }

        return live;
    }

    private void StartPreVote(TimeSpan now, ICollection<(string To, ElectionMessage Message)> outbox)
    {
        // Silent for a whole election timeout: whoever coordinated this term is no longer counted on.
        Coordinator = null;
        _preVoting = true;
        _preVotes.Clear();
        _preVotes.Add(_options.Self);
        ResetElectionTimer(now);
        if (_preVotes.Count >= _options.Quorum)
        {
            StartElection(now, outbox);
            return;
        }

        foreach (var peer in _others)
        {
            outbox.Add((peer, new ElectionMessage(ElectionMessageKind.VoteRequest, Term + 1, LastRound, PreVote: true)));
        }
    }

    private void StartElection(TimeSpan now, ICollection<(string To, ElectionMessage Message)> outbox)
    {
        _preVoting = false;
        Term++;
        Role = ElectionRole.Candidate;
        Coordinator = null;
        VotedFor = _options.Self;
        _persist(new ElectionVote(Term, VotedFor));
        _votes.Clear();
        _votes.Add(_options.Self);
        ResetElectionTimer(now);
        if (_votes.Count >= _options.Quorum)
        {
            BecomeCoordinator(now, outbox);
            return;
        }

        foreach (var peer in _others)
        {
            outbox.Add((peer, new ElectionMessage(ElectionMessageKind.VoteRequest, Term, LastRound)));
        }
    }

    private void BecomeCoordinator(TimeSpan now, ICollection<(string To, ElectionMessage Message)> outbox)
    {
        Role = ElectionRole.Coordinator;
        Coordinator = _options.Self;
        _coordinatorSince = now;
        _lastReply.Clear();

        // The voters were heard just now; counting them live gives a new coordinator one timeout to hear the rest.
        foreach (var voter in _votes.Where(v => v != _options.Self))
        {
            _lastReply[voter] = now;
        }

        _nextHeartbeat = now;
        Tick(now, outbox);
    }

    private void StepDown(TimeSpan now)
    {
        Role = ElectionRole.Follower;
        Coordinator = null;
        ResetElectionTimer(now);
    }

    private void AdoptTerm(long term, TimeSpan now)
    {
        var wasCoordinator = Role == ElectionRole.Coordinator;
        _preVoting = false;
        Term = term;
        VotedFor = null;
        Role = ElectionRole.Follower;
        Coordinator = null;
        _persist(new ElectionVote(Term, VotedFor));
        if (wasCoordinator)
        {
            ResetElectionTimer(now);
        }
    }

    private void ResetElectionTimer(TimeSpan now)
    {
        var span = _options.ElectionTimeoutMax - _options.ElectionTimeoutMin;
        _electionDeadline = now + _options.ElectionTimeoutMin + (span * _random.NextDouble());
    }
}
