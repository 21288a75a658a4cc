using GossipFl.Daemon.Coordination;

namespace GossipFl.Daemon.Tests.Coordination;

public sealed class ElectionStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gossipfl-election-").FullName;

    [Fact]
    public void NoFile_IsTermZeroWithNoVote() =>
        Assert.Equal(new ElectionVote(0, null), new ElectionStore(_directory).Load());

    [Theory]
    [InlineData(7, "node-3")]
    [InlineData(0, null)]
    [InlineData(long.MaxValue, "name with spaces")]
    public void SavedVotes_LoadBack(long term, string? votedFor)
    {
        new ElectionStore(_directory).Save(new ElectionVote(term, votedFor));

        Assert.Equal(new ElectionVote(term, votedFor), new ElectionStore(_directory).Load());
        Assert.False(File.Exists(Path.Combine(_directory, ElectionStore.FileName + ".tmp")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("seven node-1")]
    [InlineData("-3 node-1")]
    [InlineData("12")]
    public void ADamagedFile_IsAnErrorNamingIt(string content)
    {
        File.WriteAllText(Path.Combine(_directory, ElectionStore.FileName), content);

        var error = Assert.Throws<InvalidDataException>(() => new ElectionStore(_directory).Load());
        Assert.Contains(ElectionStore.FileName, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 'TERM NAME' or 'TERM -'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
