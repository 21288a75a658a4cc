namespace GossipFl.Learning.Compression;

/// <summary>How a node's parameters (or their change) are encoded on the wire. Values are stable wire ids.</summary>
public enum CodecKind : byte
{
    /// <summary>Four bytes per value, little-endian IEEE single precision: no compression.</summary>
    None = 0,

    /// <summary>IEEE half precision, round to nearest even, saturating at ±65504.</summary>
    Float16 = 1,

    /// <summary>Signed 8-bit values with one float scale per chunk, stochastic (unbiased) rounding.</summary>
    EightBit = 2,

    /// <summary>The k largest magnitudes with their indices; the rest read as zero.</summary>
    TopK = 3,

    /// <summary>One sign bit per value with one float scale (mean magnitude) per chunk.</summary>
    Sign = 4,
}
