using GossipFl.Daemon.Coordination;
using GossipFl.Daemon.Protocol;

namespace GossipFl.Daemon.Tests.Coordination;

/// <summary>
/// The election's guarantees (docs/algorithms.md), checked on whole clusters on a virtual clock over many seeds,
/// with message delays, loss, crashes and partitions.
/// </summary>
public sealed class CoordinatorElectionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// The failover bound docs/algorithms.md states: with the default timeouts (T = 1.5 s, so 1.5–3 s) a successor
    /// is in place, and followed by every peer, within 2 × 2T of the coordinator's death (here with up to 40 ms
    /// delivery delay).
    /// </summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(6);

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void AStableCluster_ElectsExactlyOneCoordinator_AndEveryoneKnowsIt(int count)
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var cluster = new ElectionCluster(count, seed);

            var took = cluster.RunUntil(c => AllFollowOne(c), Generous);

            Assert.True(took is not null, $"seed {seed}: no agreed coordinator within {Generous}");
            Assert.True(took <= FailoverBound, $"seed {seed}: took {took}");
            cluster.Run(TimeSpan.FromSeconds(20));
            Assert.Single(cluster.Coordinators());
            Assert.True(AllFollowOne(cluster), $"seed {seed}: the coordinator changed without a failure");
            AssertAtMostOnePerTerm(cluster);
        }
    }

    [Fact]
    public void NeverTwoCoordinatorsInOneTerm_UnderLossDelayCrashesAndPartitions()
    {
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var cluster = new ElectionCluster(5, seed, loss: 0.2, maxDelay: TimeSpan.FromMilliseconds(400));
            var random = new GossipFl.Learning.Data.Xoshiro256StarStar(seed * 7919);
            for (var step = 0; step < 30; step++)
            {
                var victim = random.NextInt(5);
                switch (random.NextInt(4))
                {
                    case 0:
                        cluster.Crash(victim);
                        break;
                    case 1:
                        if (cluster.Peer(victim) is null)
                        {
                            cluster.Restart(victim);
                        }

                        break;
                    case 2:
                        cluster.Partition(Enumerable.Range(0, 5).Where(_ => random.NextDouble() < 0.5).ToArray());
                        break;
                    default:
                        cluster.Heal();
                        break;
                }

                cluster.Run(TimeSpan.FromMilliseconds(500 + random.NextInt(3000)));
            }

            AssertAtMostOnePerTerm(cluster);
            Assert.NotEmpty(cluster.Elected);
        }
    }

    [Fact]
    public void WhenTheCoordinatorCrashes_ASuccessorIsInPlaceWithinTheStatedBound()
    {
        var worst = TimeSpan.Zero;
        for (ulong seed = 1; seed <= 30; seed++)
        {
            var cluster = new ElectionCluster(8, seed);
            Assert.NotNull(cluster.RunUntil(AllFollowOne, Generous));
            var old = cluster.Coordinators().Single();
            var oldTerm = cluster.Peer(old)!.Term;

            cluster.Crash(old);
            var took = cluster.RunUntil(c => AllFollowOne(c) && c.Coordinators().Single() != old, Generous);

            Assert.True(took is not null, $"seed {seed}: no successor");
            Assert.True(took <= FailoverBound, $"seed {seed}: successor after {took}");
            Assert.True(cluster.Peer(cluster.Coordinators().Single())!.Term > oldTerm);
            worst = took.Value > worst ? took.Value : worst;
            AssertAtMostOnePerTerm(cluster);
        }

        output.WriteLine($"worst failover over 30 seeds: {worst.TotalSeconds:0.000} s");
        Assert.True(worst > TimeSpan.FromSeconds(1.5), $"a successor can't be elected before the shortest timeout; measured {worst}");
    }

    [Fact]
    public void APartitionedMinority_ElectsNobody_AndAfterHealingThereIsOneCoordinator()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var cluster = new ElectionCluster(8, seed);
            Assert.NotNull(cluster.RunUntil(AllFollowOne, Generous));
            var old = cluster.Coordinators().Single();

            // Put the coordinator on the minority side: it must step down, and nobody there may take over.
            var minority = new[] { old, (old + 1) % 8, (old + 2) % 8 };
            var majority = Enumerable.Range(0, 8).Except(minority).ToArray();
            var electedBefore = cluster.Elected.Count;
            cluster.Partition(minority);
            cluster.Run(TimeSpan.FromSeconds(4));
            Assert.DoesNotContain(old, cluster.Coordinators());
            cluster.Run(TimeSpan.FromSeconds(30));

            Assert.All(cluster.Elected.Skip(electedBefore), e => Assert.DoesNotContain(e.Coordinator, minority.Select(i => $"node-{i}")));
            var coordinators = cluster.Coordinators();
            Assert.Single(coordinators);
            Assert.Contains(coordinators[0], majority);

            var majorityCoordinator = cluster.Peer(coordinators[0])!;
            var (termDuring, coordinatorDuring) = (majorityCoordinator.Term, majorityCoordinator.Self);
            cluster.Heal();
            Assert.NotNull(cluster.RunUntil(AllFollowOne, Generous));
            cluster.Run(TimeSpan.FromSeconds(10));
            Assert.Single(cluster.Coordinators());
            Assert.True(AllFollowOne(cluster));
            AssertAtMostOnePerTerm(cluster);

            // Pre-vote kept the minority's term where it was, so healing deposes nobody: the majority's coordinator stays.
            var after = cluster.Peer(cluster.Coordinators()[0])!;
            Assert.Equal((termDuring, coordinatorDuring), (after.Term, after.Self));
        }
    }

    [Fact]
    public void WithoutAQuorumOfLivePeers_NobodyIsCoordinator()
    {
        var cluster = new ElectionCluster(5, 3);
        Assert.NotNull(cluster.RunUntil(AllFollowOne, Generous));
        var survivors = Enumerable.Range(0, 5).Except(cluster.Coordinators()).Take(2).ToArray();
        var term = cluster.Peer(survivors[0])!.Term;
        for (var i = 0; i < 5; i++)
        {
            if (!survivors.Contains(i))
            {
                cluster.Crash(i);
            }
        }

        cluster.Run(TimeSpan.FromSeconds(30));

        Assert.Empty(cluster.Coordinators());
        Assert.All(survivors, i => Assert.Null(cluster.Peer(i)!.Coordinator));

        // Pre-vote: without a quorum that would vote for them they never even start a term.
        Assert.All(survivors, i => Assert.Equal(term, cluster.Peer(i)!.Term));
    }

    [Fact]
    public void ACandidateWithAnOlderGlobalModel_IsNotElected()
    {
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var cluster = new ElectionCluster(5, seed);
            Assert.NotNull(cluster.RunUntil(AllFollowOne, Generous));
            var old = cluster.Coordinators().Single();

            // Round 7 reached a majority; two peers (the stale ones) missed it, then the coordinator died.
            var stale = Enumerable.Range(0, 5).Where(i => i != old).Take(2).ToArray();
            for (var i = 0; i < 5; i++)
            {
                cluster.SetLastRound(i, stale.Contains(i) ? 6 : 7);
            }

            cluster.Crash(old);
            Assert.NotNull(cluster.RunUntil(c => c.Coordinators().Length == 1, Generous));

            Assert.Equal(7, cluster.LastRoundOf(cluster.Coordinators().Single()));
        }
    }

    [Fact]
    public void ARestartedPeer_RemembersItsVote_AndDoesNotVoteTwiceInATerm()
    {
        var stored = new ElectionVote(0, null);
        var options = new ElectionOptions { Self = "b", Members = ["a", "b", "c"], Quorum = 2 };
        var b = new CoordinatorElection(options, stored, v => stored = v, 1, TimeSpan.Zero);
        var outbox = new List<(string To, ElectionMessage Message)>();

        b.Receive("a", new ElectionMessage(ElectionMessageKind.VoteRequest, 5, -1), TimeSpan.Zero, outbox);
        Assert.True(outbox.Single().Message.Granted);
        Assert.Equal(new ElectionVote(5, "a"), stored);

        var restarted = new CoordinatorElection(options, stored, v => stored = v, 2, TimeSpan.Zero);
        outbox.Clear();
        restarted.Receive("c", new ElectionMessage(ElectionMessageKind.VoteRequest, 5, -1), TimeSpan.Zero, outbox);

        Assert.False(outbox.Single().Message.Granted);
        Assert.Equal(5, outbox.Single().Message.Term);
    }

    [Fact]
    public void APreVote_ChangesNothingAtTheVoter_AndIsRefusedWhileItHearsACoordinator()
    {
        var stored = new ElectionVote(3, "a");
        var options = new ElectionOptions { Self = "b", Members = ["a", "b", "c"], Quorum = 2 };
        var b = new CoordinatorElection(options, stored, v => stored = v, 1, TimeSpan.Zero);
        var outbox = new List<(string To, ElectionMessage Message)>();

        b.Receive("c", new ElectionMessage(ElectionMessageKind.VoteRequest, 4, -1, PreVote: true), TimeSpan.FromSeconds(10), outbox);

        var answer = outbox.Single().Message;
        Assert.True(answer is { Kind: ElectionMessageKind.Vote, PreVote: true, Granted: true, Term: 4 });
        Assert.Equal((3L, "a"), (b.Term, b.VotedFor));
        Assert.Equal(new ElectionVote(3, "a"), stored);

        // Having just heard its coordinator, it would not vote anyone in.
        b.Receive("a", new ElectionMessage(ElectionMessageKind.Heartbeat, 3, 0), TimeSpan.FromSeconds(11), outbox);
        outbox.Clear();
        b.Receive("c", new ElectionMessage(ElectionMessageKind.VoteRequest, 4, 0, PreVote: true), TimeSpan.FromSeconds(11.5), outbox);
        Assert.False(outbox.Single().Message.Granted);
    }

    [Fact]
    public void MessagesFromStrangers_AndFromItself_AreIgnored()
    {
        var options = new ElectionOptions { Self = "b", Members = ["a", "b", "c"], Quorum = 2 };
        var b = new CoordinatorElection(options, default, _ => { }, 1, TimeSpan.Zero);
        var outbox = new List<(string To, ElectionMessage Message)>();

        b.Receive("mallory", new ElectionMessage(ElectionMessageKind.Heartbeat, 99, 5), TimeSpan.Zero, outbox);
        b.Receive("b", new ElectionMessage(ElectionMessageKind.Heartbeat, 99, 5), TimeSpan.Zero, outbox);

        Assert.Empty(outbox);
        Assert.Equal(0, b.Term);
        Assert.Null(b.Coordinator);
    }

    [Fact]
    public void AClaimToTheTermACoordinatorWon_IsRefusedAndCounted()
    {
        var options = new ElectionOptions { Self = "a", Members = ["a", "b", "c"], Quorum = 2 };
        var a = new CoordinatorElection(options, default, _ => { }, 1, TimeSpan.Zero);
        var outbox = new List<(string To, ElectionMessage Message)>();
        a.Tick(TimeSpan.FromSeconds(10), outbox);
        a.Receive("b", new ElectionMessage(ElectionMessageKind.Vote, 1, -1, Granted: true, PreVote: true), TimeSpan.FromSeconds(10), outbox);
        a.Receive("b", new ElectionMessage(ElectionMessageKind.Vote, 1, -1, Granted: true), TimeSpan.FromSeconds(10), outbox);
        Assert.Equal(ElectionRole.Coordinator, a.Role);

        Assert.False(a.ObserveCoordinator("c", 1, TimeSpan.FromSeconds(10)));

        Assert.Equal(ElectionRole.Coordinator, a.Role);
        Assert.Equal(1, a.ConflictingClaims);
    }

    [Theory]
    [InlineData(null, 8, 5)]
    [InlineData("majority", 8, 5)]
    [InlineData("6", 8, 6)]
    [InlineData("8", 8, 8)]
    [InlineData("2", 3, 2)]
    public void ParseQuorum_AcceptsMajoritiesOnly(string? text, int members, int expected) =>
        Assert.Equal(expected, ElectionOptions.ParseQuorum(text, members));

    [Theory]
    [InlineData("4", 8, "outside 5..8")]
    [InlineData("9", 8, "outside 5..8")]
    [InlineData("half", 8, "neither 'majority' nor a whole number")]
    [InlineData("-1", 8, "neither")]
    public void ParseQuorum_RefusesWhatCouldElectTwo(string text, int members, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ElectionOptions.ParseQuorum(text, members));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static bool AllFollowOne(ElectionCluster cluster)
    {
        var coordinators = cluster.Coordinators();
        if (coordinators.Length != 1)
        {
            return false;
        }

        var leader = cluster.Peer(coordinators[0])!;
        return Enumerable.Range(0, cluster.Count).All(i => cluster.Peer(i) is not { } p || (p.Coordinator == leader.Self && p.Term == leader.Term));
    }

    private static void AssertAtMostOnePerTerm(ElectionCluster cluster)
    {
        foreach (var term in cluster.Elected.GroupBy(e => e.Term))
        {
            Assert.True(term.Select(e => e.Coordinator).Distinct().Count() == 1,
                $"term {term.Key} had coordinators {string.Join(", ", term.Select(e => e.Coordinator))}");
        }
    }
}
