using System.Collections;
using GossipFl.Learning.Algorithms;

namespace GossipFl.Learning.Simulation;

/// <summary>
/// The messages sent in one simulated round, in one array kept from round to round. A <see cref="List{T}"/> of
/// messages must zero its array on Clear because the messages hold references: at N = 4096 that is 3 MB of
/// stores per round on the main thread, for entries the next round overwrites anyway. Here Clear only forgets the
/// count; what the stale entries still reference (senders' send snapshots, attack vectors, delayed copies already
/// handed on) lives as long as the simulation in any case.
/// </summary>
internal sealed class RoundOutbox : ICollection<GossipMessage>
{
    private GossipMessage[] _messages = new GossipMessage[64];

    public int Count { get; private set; }

    public bool IsReadOnly => false;

    /// <summary>This round's messages in the order they were added; entries may be replaced (an attacker's vector).</summary>
    public Span<GossipMessage> Messages => _messages.AsSpan(0, Count);

    public void Add(GossipMessage item)
    {
        if (Count == _messages.Length)
        {
            Array.Resize(ref _messages, _messages.Length * 2);
        }

        _messages[Count++] = item;
    }

    /// <summary>Starts a new round: forgets the messages without zeroing the array (see the class remarks).</summary>
    public void Clear() => Count = 0;

    public bool Contains(GossipMessage item) => Array.IndexOf(_messages, item, 0, Count) >= 0;

    public void CopyTo(GossipMessage[] array, int arrayIndex) => Messages.CopyTo(array.AsSpan(arrayIndex));

    public bool Remove(GossipMessage item) => throw new NotSupportedException("a round's messages are only added");

    public IEnumerator<GossipMessage> GetEnumerator()
    {
        for (var k = 0; k < Count; k++)
        {
            yield return _messages[k];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
