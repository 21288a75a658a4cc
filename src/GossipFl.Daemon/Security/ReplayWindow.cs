namespace GossipFl.Daemon.Security;

/// <summary>
/// Sliding-window replay protection for one receive direction (the scheme of RFC 4303 §3.4.3 with a 1024-packet
/// bitmap): a packet number is fresh if it is above the highest seen, or within the window and not yet seen.
/// Check with <see cref="IsFresh"/> before decrypting (cheap rejection), and <see cref="Mark"/> only after the AEAD
/// tag verified, so forged packets cannot move the window.
/// </summary>
public sealed class ReplayWindow
{
    public const int WindowSize = 1024;
    private const int Words = WindowSize / 64;

    private readonly ulong[] _bits = new ulong[Words];
    private ulong _highest;
    private bool _any;

    public ulong Highest => _highest;

    public bool IsFresh(ulong packetNumber)
    {
        if (!_any || packetNumber > _highest)
        {
            return true;
        }

        // Also refuse the oldest partial word: its bitmap slot is shared with the word of the highest number.
        if ((_highest / 64) - (packetNumber / 64) >= Words)
        {
            return false;
        }

        return (_bits[(int)((packetNumber / 64) % Words)] & (1UL << (int)(packetNumber % 64))) == 0;
    }

    /// <summary>Records a verified packet number; returns false if it was not fresh.</summary>
    public bool Mark(ulong packetNumber)
    {
        if (!IsFresh(packetNumber))
        {
            return false;
        }

        if (!_any || packetNumber > _highest)
        {
            // Clear the words the window slides over, so stale bits from a previous lap do not read as "seen".
            var from = _any ? (_highest / 64) + 1 : packetNumber / 64;
            var to = packetNumber / 64;
            if (to - from + 1 >= Words || !_any)
            {
                Array.Clear(_bits);
            }
            else
            {
                for (var w = from; w <= to; w++)
                {
                    _bits[(int)(w % Words)] = 0;
                }
            }

            _highest = packetNumber;
            _any = true;
        }

        _bits[(int)((packetNumber / 64) % Words)] |= 1UL << (int)(packetNumber % 64);
        return true;
    }
}
