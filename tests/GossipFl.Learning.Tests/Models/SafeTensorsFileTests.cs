using System.Buffers.Binary;
using System.Text;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Tests.Models;

public sealed class SafeTensorsFileTests : IDisposable
{
    private const string Name = "hostile.safetensors";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_SeveralTensorsWithMetadata_ReadsBackInOrder()
    {
        var path = _dir.File("model.safetensors");
        SafeTensor[] tensors =
        [
            SafeTensor.FromFloats("fc1.weight", [2, 3], [0.5f, -1f, 2f, float.MaxValue, float.Epsilon, -0f]),
            SafeTensor.FromFloats("fc1.bias", [3], [1f, 2f, 3f]),
            new("step", SafeTensorDType.I64, [], Int64Bytes(42)),
            new("empty", SafeTensorDType.F32, [0, 4], []),
            new("mask", SafeTensorDType.Bool, [3], [1, 0, 1]),
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["round"] = "7", ["note"] = "ünïcode \"quoted\"" };

        SafeTensorsFile.Write(path, tensors, metadata);
        var (read, readMetadata) = SafeTensorsFile.Read(path);

        Assert.Equal(tensors.Select(t => t.Name), read.Select(t => t.Name));
        for (var i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(tensors[i].DType, read[i].DType);
            Assert.Equal(tensors[i].Shape, read[i].Shape);
            Assert.Equal(tensors[i].Data, read[i].Data);
        }

        Assert.Equal([0.5f, -1f, 2f, float.MaxValue, float.Epsilon, -0f], read[0].ToFloats());
        Assert.Equal(metadata.OrderBy(p => p.Key), readMetadata.OrderBy(p => p.Key));
        Assert.Equal([path], Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void ToBytes_OneF32Tensor_IsTheHandComputedLayout()
    {
        var bytes = SafeTensorsFile.ToBytes([SafeTensor.FromFloats("w", [2], [1f, -2f])], metadata: null);

        // {"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} is 54 bytes; two spaces pad it to 56, a multiple of 8.
        byte[] expected =
        [
            56, 0, 0, 0, 0, 0, 0, 0,
            .. "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  "u8,
            0x00, 0x00, 0x80, 0x3F, // 1.0f, little-endian
            0x00, 0x00, 0x00, 0xC0, // -2.0f
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void ToBytes_Metadata_ComesFirstAndHeaderStaysAligned()
    {
        var bytes = SafeTensorsFile.ToBytes(
            [SafeTensor.FromFloats("a", [1], [3f]), SafeTensor.FromFloats("b", [], [4f])],
            new Dictionary<string, string> { ["z"] = "1", ["format"] = "pt" });

        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, length % 8);
        Assert.Equal(8 + length + 8, bytes.Length);
        Assert.StartsWith(
            "{\"__metadata__\":{\"format\":\"pt\",\"z\":\"1\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}",
            Encoding.UTF8.GetString(bytes, 8, length),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnpaddedHeaderAndTensorsListedOutOfOrder_ReturnsThemInOffsetOrder()
    {
        var bytes = Image(
            """{"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]},"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}""",
            [9, 8, 7]);

        var (tensors, metadata) = SafeTensorsFile.Read(bytes, Name);

        Assert.Equal(["a", "b"], tensors.Select(t => t.Name));
        Assert.Equal([9], tensors[0].Data);
        Assert.Equal([8, 7], tensors[1].Data);
        Assert.Empty(metadata);
    }

    [Fact]
    public void Read_SeveralEmptyTensorsAtOneOffset_AreNotOverlaps()
    {
        var bytes = Image(
            """{"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"y":{"dtype":"F64","shape":[3,0],"data_offsets":[0,0]},"z":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}   """,
            [5]);

        Assert.Equal(["x", "y", "z"], SafeTensorsFile.Read(bytes, Name).Tensors.Select(t => t.Name));
    }

    [Theory]
    [InlineData("[1, 2]", 0, "not a JSON object")]
    [InlineData(" {}", 0, "not a JSON object")]
    [InlineData("{\"a\":", 0, "not valid JSON")]
    [InlineData("{}  x", 0, "byte 0x78 at offset 4 after its JSON object")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}\n", 4, "byte 0x0A")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "key 'a' twice")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"\\u0061\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "key 'a' twice")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "\"dtype\" appears twice")]
    [InlineData("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "'__metadata__' has the key 'k' twice")]
    [InlineData("{\"__metadata__\":{\"k\":\"1\"},\"__metadata__\":{}}", 0, "key '__metadata__' twice")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'a': missing \"dtype\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "tensor 'a': missing \"shape\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a': missing \"data_offsets\"")]
    [InlineData("{\"a\":[1]}", 0, "tensor 'a': entry is an array, not an object")]
    [InlineData("{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "\"dtype\" is a number, not a string")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}", 4, "\"shape\" is a string, not an array of integers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "\"shape\" holds a number, not a whole number")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", 4, "\"data_offsets\" holds a string")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", 4, "\"shape\" holds an array")]
    [InlineData("{\"__metadata__\":{\"n\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}", 0, "value of 'n' is an array")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", 4, "fits in 64 bits")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, "unknown field \"extra\"")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype \"F33\"")]
    [InlineData("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype \"f32\"")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "\"shape\" holds the negative number -1")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "overflows a 64-bit byte count")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,0],\"data_offsets\":[0,0]}}", 0, "overflows a 64-bit byte count")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4, "has 1 numbers, not [begin, end]")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4, "has 3 numbers, not [begin, end]")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, "\"data_offsets\" holds the negative number -4")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "[4, 0] begins after it ends")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4, "end 8 is beyond the data section (4 bytes)")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,4398046511104]}}", 4, "end 4398046511104 is beyond the data section")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "span 4 bytes, but shape [2] of F32 needs 8")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6, "tensor 'b' (bytes 2..6) overlaps tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'b' (bytes 0..4) overlaps tensor 'a'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "bytes 0..4 of the data section belong to no tensor")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[6,10]}}", 10, "bytes 4..6 of the data section belong to no tensor")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 7, "3 trailing bytes after the last tensor")]
    [InlineData("{}", 1, "1 trailing bytes after the last tensor")]
    [InlineData("{\"__metadata__\":{\"n\":1}}", 0, "value of 'n' is a number; metadata values must be strings")]
    [InlineData("{\"__metadata__\":{\"n\":null}}", 0, "value of 'n' is null")]
    [InlineData("{\"__metadata__\":{\"n\":{\"deep\":\"x\"}}}", 0, "value of 'n' is an object")]
    [InlineData("{\"__metadata__\":\"pt\"}", 0, "'__metadata__' is a string, not an object of strings")]
    [InlineData("{\"a\\ud800\":{}}", 0, "not valid text")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", 4, "not valid JSON")]
    [InlineData("{/*c*/}", 0, "not valid JSON")]
    public void Read_HostileHeader_IsRefusedNamingTheProblem(string json, int dataBytes, string problem)
    {
        var ex = Refused(Image(json, new byte[dataBytes]));

        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderWithInvalidUtf8_IsRefused()
    {
        byte[] json = [.. "{\"a"u8, 0xC3, 0x28, .. "\":{}}"u8];

        Assert.Contains("not valid UTF-8", Refused(Image(json, [])).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyHeader_IsRefused()
    {
        Assert.Contains("not a JSON object", Refused(Image(""u8.ToArray(), [])).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Read_ShorterThanTheLengthField_IsRefused(int length)
    {
        Assert.Contains("too short for the 8-byte header length", Refused(new byte[length]).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderLengthBeyondTheInput_IsRefused()
    {
        var bytes = Image("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 3);

        Assert.Contains("header length 3 runs past the end of the file (10 bytes", Refused(bytes).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderLengthOverTheCap_IsRefused()
    {
        var bytes = new byte[100];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 60);

        Assert.Contains("exceeds the 100000000-byte cap", Refused(bytes).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PathOfAFileLargerThanMaxBytes_IsRefused()
    {
        var path = _dir.File("big.safetensors");
        File.WriteAllBytes(path, SafeTensorsFile.ToBytes([SafeTensor.FromFloats("w", [64], new float[64])], null));

        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(path, maxBytes: 100));

        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("more than the 100-byte limit", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PathOfAHostileFile_NamesThePath()
    {
        var path = _dir.File("bad.safetensors");
        File.WriteAllBytes(path, Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[5]));

        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(path));

        Assert.Equal(path, ex.Path);
        Assert.Equal($"{path}: 1 trailing bytes after the last tensor (tensors cover 4 of the data section's 5 bytes).", ex.Message);
    }

    [Fact]
    public void Write_ExistingFile_IsReplacedWhole()
    {
        var path = _dir.File("model.safetensors");
        File.WriteAllText(path, "old contents, longer than the new file would be if it were merely overwritten in place");

        SafeTensorsFile.Write(path, [SafeTensor.FromFloats("w", [1], [5f])], null);

        Assert.Equal(SafeTensorsFile.ToBytes([SafeTensor.FromFloats("w", [1], [5f])], null), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_InvalidTensors_AreRefusedAndLeaveNoFile()
    {
        var path = _dir.File("model.safetensors");
        var w = SafeTensor.FromFloats("w", [1], [5f]);

        Assert.Contains("two tensors are named 'w'", Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [w, w], null)).Message, StringComparison.Ordinal);
        Assert.Contains("reserves it", Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [w with { Name = "__metadata__" }], null)).Message, StringComparison.Ordinal);
        Assert.Contains("needs 8 bytes, but Data has 4", Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [w with { Shape = [2] }], null)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown dtype \"F12\"", Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [w with { DType = "F12" }], null)).Message, StringComparison.Ordinal);
        Assert.Contains("negative dimension", Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [w with { Shape = [-1, -4] }], null)).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void FromFloats_CountNotMatchingShape_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => SafeTensor.FromFloats("w", [2, 2], [1f, 2f, 3f]));
    }

    [Fact]
    public void ToFloats_HalfBfloatAndDouble_Convert()
    {
        byte[] half = [0x00, 0x3C, 0x00, 0xC1]; // 1.0, -2.5 as IEEE half
        byte[] bfloat = [0x80, 0x3F, 0x20, 0xC0]; // 1.0, -2.5 as bfloat16 (the upper halves of the floats)
        var dbl = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(dbl, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(dbl.AsSpan(8), -3);

        Assert.Equal([1f, -2.5f], new SafeTensor("h", SafeTensorDType.F16, [2], half).ToFloats());
        Assert.Equal([1f, -2.5f], new SafeTensor("b", SafeTensorDType.BF16, [2], bfloat).ToFloats());
        Assert.Equal([0.1f, -3f], new SafeTensor("d", SafeTensorDType.F64, [2], dbl).ToFloats());
        Assert.Throws<InvalidOperationException>(() => new SafeTensor("i", SafeTensorDType.I64, [1], new byte[8]).ToFloats());
    }

    /// <summary>8-byte little-endian length, then <paramref name="json"/> exactly as given, then <paramref name="data"/>.</summary>
    internal static byte[] Image(string json, byte[] data) => Image(Encoding.UTF8.GetBytes(json), data);

    internal static byte[] Image(byte[] json, byte[] data)
    {
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static SafeTensorsFormatException Refused(byte[] bytes)
    {
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Read(bytes, Name));
        Assert.Equal(Name, ex.Path);
        Assert.StartsWith(Name + ": ", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private static byte[] Int64Bytes(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }
}
