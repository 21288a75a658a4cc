using System.Buffers;

namespace GossipFl.Daemon.Transport;

/// <summary>
/// A message being reassembled. Its buffer is taken at full size when the first fragment arrives (messages up to
/// 1 MiB from the shared pool, larger ones allocated without zeroing) and counted against the peer's limits until the
/// message is handed to the application.
/// </summary>
internal sealed class IncomingMessage
{
    public const int PooledLimit = 1024 * 1024;

    // A large buffer is new memory: its pages are mapped this far ahead of the data in runs of this size (about a
    // millisecond of the kernel's time each), rather than faulted in one by one (see PagePrefault).
    private const int PrefaultRun = 4 * 1024 * 1024;
    private readonly ulong[] _received;
    private int _prefaultedTo;

    public IncomingMessage(ulong id, int totalLength, uint fragmentSize, uint fragmentCount, long now)
    {
        Id = id;
        TotalLength = totalLength;
        FragmentSize = fragmentSize;
        FragmentCount = fragmentCount;
        Pooled = totalLength <= PooledLimit;
        Buffer = Pooled ? ArrayPool<byte>.Shared.Rent(Math.Max(totalLength, 1)) : GC.AllocateUninitializedArray<byte>(totalLength);
        _received = new ulong[(fragmentCount + 63) / 64];
        LastActivity = now;
    }

    public ulong Id { get; }

    public int TotalLength { get; }

    public uint FragmentSize { get; }

    public uint FragmentCount { get; }

    public uint ReceivedCount { get; private set; }

    public byte[]? Buffer { get; private set; }

    public bool Pooled { get; }

    public long LastActivity { get; set; }

    public bool IsComplete => ReceivedCount == FragmentCount;

    /// <summary>Copies a fragment in; returns false if it was already there (a duplicate).</summary>
    public bool Accept(uint index, ReadOnlySpan<byte> data)
    {
        ref var word = ref _received[index >> 6];
        var bit = 1UL << (int)(index & 63);
        if ((word & bit) != 0)
        {
            return false;
        }

        var offset = (int)(index * (ulong)FragmentSize);
        if (!Pooled && offset + data.Length > _prefaultedTo - (PrefaultRun / 2) && _prefaultedTo < TotalLength)
        {
            // Fragments arrive mostly in order: keep the next run mapped. One far ahead skips the gap, which then
            // faults in page by page when its fragments come.
            var from = Math.Max(_prefaultedTo, offset);
            var to = (int)Math.Min(TotalLength, (long)from + PrefaultRun);
            PagePrefault.TryPopulate(Buffer.AsSpan(from, to - from));
            _prefaultedTo = to;
        }

        data.CopyTo(Buffer.AsSpan(offset));
        word |= bit;
        ReceivedCount++;
        return true;
    }

    /// <summary>Gives the buffer away (to a <see cref="ReceivedMessage"/>); the message no longer owns it.</summary>
    public byte[] TakeBuffer()
    {
        var buffer = Buffer ?? throw new InvalidOperationException("buffer already taken");
        Buffer = null;
        return buffer;
    }

    /// <summary>Returns the buffer to the pool when the message is dropped unfinished.</summary>
    public void Release()
    {
        if (Buffer is { } buffer && Pooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Buffer = null;
    }
}
