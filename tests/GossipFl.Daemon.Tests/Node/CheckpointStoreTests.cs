using System.Buffers.Binary;
using System.Security.Cryptography;
using GossipFl.Daemon.Node;
using GossipFl.Learning.Learners;
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

        Assert.False(CheckpointStore.TryRead(newest, 2, out _, out var problem));
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

        Assert.False(CheckpointStore.TryRead(file, 2, out _, out var problem));
        Assert.Equal("is 72 bytes, 2 parameters need at least 80", problem);
    }

    [Fact]
    public void TryRead_OtherFile_SaysItIsNotACheckpoint()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        var file = Path.Combine(store.Directory, "round-000001.ckpt");
        File.WriteAllText(file, "hello, this is not a checkpoint at all, just some text");

        Assert.False(CheckpointStore.TryRead(file, 2, out _, out var problem));
        Assert.Equal("not a GossipFl checkpoint (bad magic or too short)", problem);
    }

    [Fact]
    public void LoadLatest_DifferentModelSize_IsRejectedNotLoaded()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        store.Save(3, 1.0, [1f, 2f, 3f]);

        Assert.False(CheckpointStore.TryRead(Path.Combine(store.Directory, "round-000003.ckpt"), 5, out _, out var problem));
        Assert.Equal("holds 3 parameters, the model has 5", problem);
        Assert.Null(store.LoadLatest(5));
    }

    [Fact]
    public void Save_KeepsOnlyTheNewestFew()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance, keep: 2);
        for (var round = 1; round <= 5; round++)
        {
            store.Save(round, 1.0, [round]);
        }

        Assert.Equal(["round-000004.ckpt", "round-000005.ckpt"], Directory.GetFiles(store.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SaveThenLoad_WithALearner_RestoresTheLearnersStateOfThatRound()
    {
        var learner = new FakeLearner { State = [1, 2, 3] };
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance, learner: learner);
        store.Save(1, 1.0, [1f]);
        learner.State = [4, 5, 6, 7];
        store.Save(2, 1.0, [2f]);

        var fresh = new FakeLearner();
        var latest = new CheckpointStore(_data.FullName, NullLogger.Instance, learner: fresh).LoadLatest(1);

        Assert.Equal(2, latest!.Round);
        Assert.Equal([4, 5, 6, 7], latest.LearnerState);
        Assert.Equal([4, 5, 6, 7], fresh.Restored);
    }

    [Fact]
    public void LoadLatest_NewestLearnerStateRefused_FallsBackToAnOlderOneAndSaysWhy()
    {
        var learner = new FakeLearner { State = [1] };
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance, learner: learner);
        store.Save(1, 1.0, [1f]);
        learner.State = [2];
        store.Save(2, 1.0, [2f]);
        var log = new CapturingLogger();

        var fresh = new FakeLearner { Refuse = [2] };
        var latest = new CheckpointStore(_data.FullName, log, learner: fresh).LoadLatest(1);

        Assert.Equal(1, latest!.Round);
        Assert.Equal([1], fresh.Restored);
        Assert.Contains(log.Lines, line => line.Contains("round-000002.ckpt: its learner state cannot be restored: refused state 2", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadLatest_LearnerStateDamaged_FailsTheChecksumAndFallsBack()
    {
        var learner = new FakeLearner { State = [1, 1, 1, 1] };
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance, learner: learner);
        store.Save(1, 1.0, [1f, 2f]);
        learner.State = [2, 2, 2, 2];
        store.Save(2, 1.0, [3f, 4f]);
        var newest = Path.Combine(store.Directory, "round-000002.ckpt");
        var bytes = File.ReadAllBytes(newest);
        // Header 32, parameters 8, length 8: byte 49 is inside the learner state.
        bytes[49] ^= 0x01;
        File.WriteAllBytes(newest, bytes);

        var fresh = new FakeLearner();
        Assert.False(CheckpointStore.TryRead(newest, 2, out _, out var problem));
        Assert.Equal("checksum mismatch (the file is damaged)", problem);
        Assert.Equal(1, new CheckpointStore(_data.FullName, NullLogger.Instance, learner: fresh).LoadLatest(2)!.Round);
        Assert.Equal([1, 1, 1, 1], fresh.Restored);
    }

    [Fact]
    public void TryRead_LearnerStateLengthDamaged_SaysWhatTheSizesAre()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance, learner: new FakeLearner { State = [9, 9] });
        store.Save(1, 1.0, [1f]);
        var file = Path.Combine(store.Directory, "round-000001.ckpt");
        var bytes = File.ReadAllBytes(file);
        bytes[36 + 7] = 0x80;
        File.WriteAllBytes(file, bytes);

        Assert.False(CheckpointStore.TryRead(file, 1, out _, out var problem));
        Assert.StartsWith("is 78 bytes, 1 parameters and -", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadLatest_FormatOneFile_LoadsItsParametersAndSaysTheDataOrderStartsAfresh()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        WriteFormatOne(Path.Combine(store.Directory, "round-000007.ckpt"), 7, 0.5, [1.5f, -2f]);
        var log = new CapturingLogger();
        var fresh = new FakeLearner();

        var latest = new CheckpointStore(_data.FullName, log, learner: fresh).LoadLatest(2);

        Assert.Equal(7, latest!.Round);
        Assert.Equal(0.5, latest.Weight);
        Assert.Equal([1.5f, -2f], latest.Parameters);
        Assert.Null(latest.LearnerState);
        Assert.Null(fresh.Restored);
        Assert.Contains(log.Lines, line => line.Contains("holds no learner state (written before checkpoint format 2)", StringComparison.Ordinal));
    }

    [Fact]
    public void TryRead_FutureFormat_SaysWhichVersionsThisBuildReads()
    {
        var store = new CheckpointStore(_data.FullName, NullLogger.Instance);
        store.Save(1, 1.0, [1f]);
        var file = Path.Combine(store.Directory, "round-000001.ckpt");
        var bytes = File.ReadAllBytes(file);
        bytes[4] = 3;
        File.WriteAllBytes(file, bytes);

        Assert.False(CheckpointStore.TryRead(file, 1, out _, out var problem));
        Assert.Equal("format version 3, this build reads 1 and 2", problem);
    }

    /// <summary>A checkpoint as format 1 wrote it: header, parameters, SHA-256; no learner state.</summary>
    private static void WriteFormatOne(string path, long round, double weight, float[] parameters)
    {
        var bytes = new byte[32 + (parameters.Length * 4) + 32];
        "GFCK"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 1);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), round);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(16), weight);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), parameters.Length);
        for (var i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(32 + (i * 4)), parameters[i]);
        }

        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Hands out <see cref="State"/> and records what it was restored to; refuses states whose first byte is in <see cref="Refuse"/>.</summary>
    private sealed class FakeLearner : IResumableLearner
    {
        public byte[] State { get; set; } = [];

        public byte[]? Restored { get; private set; }

        public byte[] Refuse { get; init; } = [];

        public byte[] SaveState() => State;

        public void RestoreState(ReadOnlySpan<byte> state)
        {
            if (Refuse.Contains(state[0]))
            {
                throw new LearnerStateException($"refused state {state[0]}");
            }

            Restored = state.ToArray();
        }
    }

    [Fact]
    public void LoadLatest_EmptyDirectory_ReturnsNull() =>
        Assert.Null(new CheckpointStore(_data.FullName, NullLogger.Instance).LoadLatest(3));
}
