using System.Diagnostics;
using System.Globalization;
using GossipFl.Learning.Compression;

// Encodes and decodes (TryDecodeAdd, which validates first) one vector of N floats with each codec and, in the same
// process and alternating, copies the same N floats with Span.CopyTo (memcpy). The figure compared is float input
// bytes (4·N) per second, median over rounds, as bench/GossipFl.Bench.Mixing reports the fold.
// Usage: GossipFl.Bench.Codecs [N] [ROUNDS]   (defaults 10,000,000, 7)
var culture = CultureInfo.InvariantCulture;
var length = args.Length > 0 ? int.Parse(args[0], culture) : 10_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], culture) : 7;

var values = new float[length];
var generator = new CodecRandom(1);
for (var i = 0; i < length; i++)
{
    values[i] = (2 * generator.NextSingle()) - 1;
}

var copyTarget = new float[length];
var decoded = new float[length];
var inputBytes = 4.0 * length;

double TimeCopy()
{
    var clock = Stopwatch.StartNew();
    values.AsSpan().CopyTo(copyTarget);
    return clock.Elapsed.TotalSeconds;
}

static double Median(List<double> samples)
{
    var sorted = samples.Order().ToArray();
    return sorted[sorted.Length / 2];
}

foreach (var name in new[] { "none", "fp16", "int8", "sign", "topk:0.01" })
{
    var codec = CodecSpec.Parse(name).Create(length);
    var bytes = new byte[codec.EncodedSize];
    double TimeEncode()
    {
        var random = new CodecRandom(7);
        var clock = Stopwatch.StartNew();
        codec.Encode(values, bytes, ref random);
        return clock.Elapsed.TotalSeconds;
    }

    double TimeDecode()
    {
        var clock = Stopwatch.StartNew();
        if (!codec.TryDecodeAdd(bytes, decoded, 1f, out var reason))
        {
            throw new InvalidOperationException(reason);
        }

        return clock.Elapsed.TotalSeconds;
    }

    // Warm up (JIT tiering, page faults).
    TimeEncode();
    TimeDecode();
    TimeCopy();
    var encode = new List<double>();
    var decode = new List<double>();
    var copy = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        encode.Add(TimeEncode());
        copy.Add(TimeCopy());
        decode.Add(TimeDecode());
        copy.Add(TimeCopy());
    }

    var copyRate = inputBytes / Median(copy) / 1e9;
    var encodeRate = inputBytes / Median(encode) / 1e9;
    var decodeRate = inputBytes / Median(decode) / 1e9;
    Console.WriteLine(string.Create(culture,
        $"{{\"codec\":\"{name}\",\"length\":{length},\"encoded_bytes\":{codec.EncodedSize},\"encode_gb_per_s\":{encodeRate:F2},\"decode_gb_per_s\":{decodeRate:F2},\"memcpy_gb_per_s\":{copyRate:F2},\"encode_ratio\":{encodeRate / copyRate:F3},\"decode_ratio\":{decodeRate / copyRate:F3}}}"));
}
