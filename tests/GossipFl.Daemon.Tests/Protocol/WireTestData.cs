namespace GossipFl.Daemon.Tests.Protocol;

/// <summary>Helpers for wire-message tests: every truncation of an encoding, and seeded corruptions.</summary>
internal static class WireTestData
{
    public static IEnumerable<byte[]> Truncations(byte[] encoded)
    {
        for (var length = 0; length < encoded.Length; length++)
        {
            yield return encoded[..length];
        }
    }

    /// <summary>Copies with random bytes changed, from a fixed seed; the parser must never throw on them.</summary>
    public static IEnumerable<byte[]> Corruptions(byte[] encoded, int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var copy = (byte[])encoded.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips && copy.Length > 0; f++)
            {
                copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
            }

            yield return copy;
        }
    }

    public static byte[] Bytes(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + (i * 7));
        }

        return bytes;
    }
}
