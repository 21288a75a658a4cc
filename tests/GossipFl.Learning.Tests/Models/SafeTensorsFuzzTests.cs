using System.Buffers.Binary;
using System.Diagnostics;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Tests.Models;

/// <summary>
/// Seeded mutations of a valid file: whatever the bytes, reading ends in tensors or a
/// <see cref="SafeTensorsFormatException"/>, quickly, and a hostile declared size costs no memory.
/// </summary>
public sealed class SafeTensorsFuzzTests : IDisposable
{
    private const int Seed = 20_240_611;
    private const int Mutations = 2_000;

    // Bytes that turn JSON into other JSON (or almost-JSON) more often than random bytes do.
    private static readonly byte[] JsonBytes = "{}[]\",:0123456789-.eE \\u_aF"u8.ToArray();

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_MutatedFiles_ReadOrThrowOnlyFormatExceptions()
    {
        var valid = SafeTensorsFile.ToBytes(
            [
                SafeTensor.FromFloats("fc.weight", [2, 3], [1f, 2f, 3f, 4f, 5f, 6f]),
                new SafeTensor("fc.bias", SafeTensorDType.F16, [3], [0, 0x3C, 0, 0x40, 0, 0x42]),
                new SafeTensor("steps", SafeTensorDType.I64, [], [7, 0, 0, 0, 0, 0, 0, 0]),
            ],
            new Dictionary<string, string> { ["format"] = "pt" });
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var random = new Random(Seed);
        var file = _dir.File("fuzz.safetensors");
        var (read, refused) = (0, 0);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Mutations; i++)
        {
            var (bytes, how) = Mutate(valid, headerLength, random);
            try
            {
                SafeTensorsFile.Read(bytes, "fuzz");
                read++;
            }
            catch (SafeTensorsFormatException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} ({how}) threw {e.GetType().Name}, not SafeTensorsFormatException: {e}");
            }

            // The file reader takes a different path (a stream and per-tensor reads); give it a share of the inputs.
            if (i % 10 == 0)
            {
                File.WriteAllBytes(file, bytes);
                var fromMemory = Outcome(() => SafeTensorsFile.Read(bytes, file));
                var fromFile = Outcome(() => SafeTensorsFile.Read(file));
                Assert.True(fromMemory == fromFile, $"mutation {i} ({how}): from memory {fromMemory}, from the file {fromFile}");
            }
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{Mutations} reads took {clock.Elapsed}");
        Assert.True(refused > Mutations / 2, $"only {refused} of {Mutations} mutations were refused: the mutations are too timid");
        Assert.True(read > 0, "no mutation survived: the valid file itself may be unreadable");
    }

    [Theory]
    [InlineData(1UL << 60)]
    [InlineData(99_999_999UL)]
    [InlineData(ulong.MaxValue)]
    public void Read_HugeDeclaredHeader_AllocatesAlmostNothing(ulong declared)
    {
        var bytes = new byte[100];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared);
        var path = _dir.File("huge.safetensors");
        File.WriteAllBytes(path, bytes);

        AssertBoundedRefusal(() => SafeTensorsFile.Read(bytes, "huge"));
        AssertBoundedRefusal(() => SafeTensorsFile.Read(path));
    }

    [Fact]
    public void Read_HugeDeclaredTensor_AllocatesAlmostNothing()
    {
        // A 2^40-element tensor claimed by a file of a hundred bytes.
        var bytes = SafeTensorsFileTests.Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,4398046511104]}}", new byte[16]);
        var path = _dir.File("huge.safetensors");
        File.WriteAllBytes(path, bytes);

        AssertBoundedRefusal(() => SafeTensorsFile.Read(bytes, "huge"));
        AssertBoundedRefusal(() => SafeTensorsFile.Read(path));
    }

    private static void AssertBoundedRefusal(Action read)
    {
        // Once first, so JIT and first-call costs are not counted against the reader.
        Assert.Throws<SafeTensorsFormatException>(read);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<SafeTensorsFormatException>(read);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"refusing the file allocated {allocated} bytes");
    }

    private static string Outcome(Action read)
    {
        try
        {
            read();
            return "read";
        }
        catch (SafeTensorsFormatException)
        {
            return "refused";
        }
    }

    private static (byte[] Bytes, string How) Mutate(byte[] valid, int headerLength, Random random)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(7))
        {
            case 0:
                {
                    var flips = random.Next(1, 4);
                    for (var f = 0; f < flips; f++)
                    {
                        var at = random.Next(bytes.Length);
                        bytes[at] ^= (byte)(1 << random.Next(8));
                    }

                    return (bytes, $"{flips} bit flips");
                }

            case 1:
                {
                    var length = random.Next(bytes.Length);
                    return (bytes[..length], $"truncated to {length}");
                }

            case 2:
                {
                    ulong length = random.Next(4) switch
                    {
                        0 => (ulong)(headerLength + random.Next(-16, 17)),
                        1 => (ulong)random.NextInt64(),
                        2 => 1UL << random.Next(64),
                        _ => (ulong)random.Next(200),
                    };
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
                    return (bytes, $"header length {length}");
                }

            case 3:
                {
                    var edits = random.Next(1, 4);
                    for (var e = 0; e < edits; e++)
                    {
                        bytes[8 + random.Next(headerLength)] = JsonBytes[random.Next(JsonBytes.Length)];
                    }

                    return (bytes, $"{edits} JSON byte edits");
                }

            case 4:
                {
                    // Change one digit run in the header: offsets and shapes that disagree with each other.
                    var at = 8 + random.Next(headerLength);
                    var digit = (byte)('0' + random.Next(10));
                    var list = bytes.ToList();
                    list.Insert(at, digit);
                    var grown = list.ToArray();
                    BinaryPrimitives.WriteUInt64LittleEndian(grown, (ulong)(headerLength + 1));
                    return (grown, $"inserted '{(char)digit}' at {at} and grew the header");
                }

            case 5:
                {
                    var at = 8 + random.Next(headerLength);
                    var count = random.Next(1, 8);
                    var shrunk = bytes[..at].Concat(bytes[Math.Min(bytes.Length, at + count)..]).ToArray();
                    BinaryPrimitives.WriteUInt64LittleEndian(shrunk, (ulong)(headerLength - Math.Min(count, headerLength - (at - 8))));
                    return (shrunk, $"deleted {count} header bytes at {at}");
                }

            default:
                {
                    var extra = new byte[random.Next(1, 16)];
                    random.NextBytes(extra);
                    return ([.. bytes, .. extra], $"appended {extra.Length} bytes");
                }
        }
    }
}
