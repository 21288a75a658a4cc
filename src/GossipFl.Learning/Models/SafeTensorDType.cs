namespace GossipFl.Learning.Models;

/// <summary>
/// The element types of the safetensors format (huggingface/safetensors, <c>Dtype</c> in safetensors/src/tensor.rs)
/// that occupy whole bytes, with their sizes. The sub-byte types newer versions define (F4, F6_*) are refused as
/// unknown: their byte count is not shape × size, and nothing in GossipFl produces them.
/// </summary>
public static class SafeTensorDType
{
    public const string F64 = "F64";
    public const string F32 = "F32";
    public const string F16 = "F16";
    public const string BF16 = "BF16";
    public const string I64 = "I64";
    public const string I32 = "I32";
    public const string I16 = "I16";
    public const string I8 = "I8";
    public const string U64 = "U64";
    public const string U32 = "U32";
    public const string U16 = "U16";
    public const string U8 = "U8";
    public const string Bool = "BOOL";
    public const string F8E5M2 = "F8_E5M2";
    public const string F8E4M3 = "F8_E4M3";

    /// <summary>The names, for error messages that say what would have been accepted.</summary>
    public static string Known => "BOOL, U8, I8, F8_E5M2, F8_E4M3, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64";

    /// <summary>Bytes per element of <paramref name="dtype"/> (case-sensitive, as the format spells it).</summary>
    public static bool TryGetSize(string dtype, out int size)
    {
        size = dtype switch
        {
            Bool or U8 or I8 or F8E5M2 or F8E4M3 => 1,
            U16 or I16 or F16 or BF16 => 2,
            U32 or I32 or F32 => 4,
            U64 or I64 or F64 => 8,
            _ => 0,
        };
        return size != 0;
    }
}
