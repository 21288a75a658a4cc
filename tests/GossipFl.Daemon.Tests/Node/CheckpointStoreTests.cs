using GossipFl.Daemon.Node;
using Microsoft.Extensions.Logging.Abstractions;

namespace GossipFl.Daemon.Tests.Node;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("gossipfl-node-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public void SaveThenLoad_ReturnsTheNewestRoundBitForBit()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        float[] parameters = [1.5f, -0.0f, float.Epsilon, 3e38f];

        store.Save(4, 0.75, [9f, 9f, 9f, 9f]);
        store.Save(5, 1.25, parameters);
        var latest = store.LoadLatest(expectedParameterCount: 4);

        Assert.NotNull(latest);
        Assert.Equal(5, latest.Round);
        Assert.Equal(1.25, latest.Weight);
        Assert.Equal(parameters.Select(BitConverter.SingleToInt32Bits), latest.Parameters.Select(BitConverter.SingleToInt32Bits));
        Assert.Empty(Directory.GetFiles(store.Directory, "*.tmp"));
    }

    [Fact]
    public void LoadLatest_NewestDamaged_FallsBackToThePreviousOne()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        store.Save(1, 1.0, [1f, 2f]);
        store.Save(2, 1.0, [3f, 4f]);
        var newest = Path.Combine(store.Directory, "round-000002.ckpt");
        var bytes = File.ReadAllBytes(newest);
        bytes[35] ^= 0x40;
        File.WriteAllBytes(newest, bytes);

        Assert.False(store.TryRead(newest, 2, out _, out var problem));
        Assert.Equal("checksum mismatch (the file is damaged)", problem);
        Assert.Equal(1, store.LoadLatest(2)!.Round);
    }

    [Fact]
    public void TryRead_CutShort_SaysHowLongItIsAndShouldBe()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        store.Save(1, 1.0, [1f, 2f]);
        var file = Path.Combine(store.Directory, "round-000001.ckpt");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^8]);

        Assert.False(store.TryRead(file, 2, out _, out var problem));
        Assert.Equal("is 64 bytes, 2 parameters need 72", problem);
    }

    [Fact]
    public void TryRead_OtherFile_SaysItIsNotACheckpoint()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        var file = Path.Combine(store.Directory, "round-000001.ckpt");
        File.WriteAllText(file, "hello, this is not a checkpoint at all, just some text");

        Assert.False(store.TryRead(file, 2, out _, out var problem));
        Assert.Equal("not a GossipFl checkpoint (bad magic or too short)", problem);
    }

    [Fact]
    public void LoadLatest_DifferentModelSize_IsRejectedNotLoaded()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        store.Save(3, 1.0, [1f, 2f, 3f]);

        Assert.False(store.TryRead(Path.Combine(store.Directory, "round-000003.ckpt"), 5, out _, out var problem));
        Assert.Equal("holds 3 parameters, the model has 5", problem);
        Assert.Null(store.LoadLatest(5));
    }

    [Fact]
    public void Save_KeepsOnlyTheNewestFew()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance, keep: 2);
        for (var round = 1; round <= 5; round++)
        {
            File.WriteAllText(store.OptimizerStatePath(round), "state");
            store.Save(round, 1.0, [round]);
        }

        Assert.Equal(["round-000004.ckpt", "round-000004.optim", "round-000005.ckpt", "round-000005.optim"],
            Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(store.OptimizerStatePath(5), store.LoadLatest(1)!.OptimizerStatePath);
    }

    [Fact]
    public void LoadLatest_EmptyDirectory_ReturnsNull() =>
        Assert.Null(new CheckpointStore(_data.FullName, NullLogger.Instance).LoadLatest(3));
}
