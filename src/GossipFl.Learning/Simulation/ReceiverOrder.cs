using GossipFl.Learning.Algorithms;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// A round's messages regrouped by receiver (a stable counting sort of their indices on
/// <see cref="GossipMessage.To"/>), so the simulator hands each peer all of its messages in one go. Senders emit
/// messages sender by sender, which scatters deliveries over every peer's state (node, plan, inbox) in turn; at
/// N = 4096 that state does not fit in the caches and each delivery waited on several dependent misses. Receiver
/// by receiver, a peer's state is touched once per round, the message reads are independent (so they overlap),
/// and receivers can be served on several threads, since a delivery changes only its receiver. Stability keeps
/// each receiver's messages in their original order, so every inbox gets the same messages in the same order as
/// in one pass over the outbox, and nothing the algorithm computes changes.
/// </summary>
internal sealed class ReceiverOrder
{
    private readonly int[] _starts;
    private readonly int[] _cursor;
    private int[] _order = [];

    public ReceiverOrder(int nodeCount)
    {
        _starts = new int[nodeCount + 1];
        _cursor = new int[nodeCount];
    }

    /// <summary>
    /// Arranges the indices of the messages whose <paramref name="selected"/> entry is true; afterwards
    /// <see cref="MessagesOf"/> gives each receiver's.
    /// </summary>
    public void Arrange(ReadOnlySpan<GossipMessage> messages, ReadOnlySpan<bool> selected)
    {
        Array.Clear(_starts);
        var count = 0;
        for (var k = 0; k < messages.Length; k++)
        {
            if (selected[k])
            {
                _starts[messages[k].To + 1]++;
                count++;
            }
        }

        for (var node = 1; node < _starts.Length; node++)
        {
            _starts[node] += _starts[node - 1];
        }

        if (_order.Length < count)
        {
            _order = new int[count];
        }

        Array.Copy(_starts, _cursor, _cursor.Length);
        for (var k = 0; k < messages.Length; k++)
        {
            if (selected[k])
            {
                _order[_cursor[messages[k].To]++] = k;
            }
        }
    }

    /// <summary>Indices (into the arranged list) of the messages for <paramref name="receiver"/>, in their original order.</summary>
    public ReadOnlySpan<int> MessagesOf(int receiver) => _order.AsSpan(_starts[receiver], _starts[receiver + 1] - _starts[receiver]);
}
