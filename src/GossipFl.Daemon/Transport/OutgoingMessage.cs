using System.Diagnostics;

namespace GossipFl.Daemon.Transport;

/// <summary>A message being sent: which fragments the peer acknowledged, what to send next, how the caller is told.</summary>
internal sealed class OutgoingMessage
{
    private readonly ulong[] _acked;

    public OutgoingMessage(string peerName, ReadOnlyMemory<byte> payload, int fragmentSize, long deadline)
    {
        PeerName = peerName;
        Payload = payload;
        FragmentSize = fragmentSize;
        FragmentCount = payload.Length == 0 ? 1 : (uint)(((payload.Length - 1) / fragmentSize) + 1);
        _acked = new ulong[(FragmentCount + 63) / 64];
        Deadline = deadline;
        Completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public string PeerName { get; }

    /// <summary>Set by the engine thread when it takes the message in.</summary>
    public Peer? Peer { get; set; }

    public ulong Id { get; set; }

    public ReadOnlyMemory<byte> Payload { get; }

    public int FragmentSize { get; }

    public uint FragmentCount { get; }

    /// <summary>Next fragment never sent (or to resend from, after a session change).</summary>
    public uint NextNew { get; set; }

    public uint AckedCount { get; private set; }

    public long Deadline { get; }

    public bool Finished { get; set; }

    public TaskCompletionSource Completion { get; }

    public CancellationTokenRegistration Cancellation { get; set; }

    public bool IsAcked(uint fragment) => (_acked[fragment >> 6] & (1UL << (int)(fragment & 63))) != 0;

    /// <summary>Marks a fragment acknowledged; returns true when that completes the message.</summary>
    public bool MarkAcked(uint fragment)
    {
        ref var word = ref _acked[fragment >> 6];
        var bit = 1UL << (int)(fragment & 63);
        if ((word & bit) != 0)
        {
            return false;
        }

        word |= bit;
        AckedCount++;
        return AckedCount == FragmentCount;
    }

    /// <summary>The receiver lost everything (it restarted): every fragment must be sent again.</summary>
    public void ForgetAcks()
    {
        Array.Clear(_acked);
        AckedCount = 0;
        NextNew = 0;
    }

    public ReadOnlySpan<byte> FragmentData(uint fragment)
    {
        var offset = (int)(fragment * (ulong)FragmentSize);
        return Payload.Span.Slice(offset, Math.Min(FragmentSize, Payload.Length - offset));
    }

    public bool Expired(long now) => now >= Deadline;

    public override string ToString() => $"message {Id} to {PeerName}, {Payload.Length} B, {AckedCount}/{FragmentCount} acked, deadline in {Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Deadline)}";
}
