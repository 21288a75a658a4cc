using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using GossipFl.Learning.Models;

namespace GossipFl.Learning.Tests.Models;

/// <summary>
/// Files this reader and writer exchange with PyTorch. Debian has no python3-safetensors, so the Python side parses
/// and writes the format by hand (struct, json, torch.frombuffer): an independent reading of the same facts.
/// </summary>
public sealed class SafeTensorsPythonInteropTests : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private const string ParseScript = """
        import json, struct, sys, torch
        raw = open(sys.argv[1], 'rb').read()
        (n,) = struct.unpack('<Q', raw[:8])
        header = json.loads(raw[8:8 + n].decode('utf-8'))
        data = raw[8 + n:]
        types = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64}
        out = {'header_length': n, 'metadata': header.pop('__metadata__', {}), 'tensors': {}}
        for name, info in header.items():
            begin, end = info['data_offsets']
            dtype = types[info['dtype']]
            if end > begin:
                t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(info['shape'])
            else:
                t = torch.zeros(info['shape'], dtype=dtype)
            out['tensors'][name] = {'shape': list(t.shape), 'values': t.double().flatten().tolist()}
        print(json.dumps(out))
        """;

    private const string WriteScript = """
        import json, struct, sys, torch
        tensors = {
            'conv.weight': torch.arange(6, dtype=torch.float32).reshape(2, 1, 3) / 4 - 0.5,
            'conv.bias': torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
            'epoch': torch.tensor(7, dtype=torch.int64),
            'table': torch.tensor([[1, -2]], dtype=torch.int32),
        }
        header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
        for name in sorted(tensors):
            t = tensors[name].contiguous()
            kind = {torch.float32: 'F32', torch.bfloat16: 'BF16', torch.int64: 'I64', torch.int32: 'I32'}[t.dtype]
            blob = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
            header[name] = {'dtype': kind, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
            blobs.append(blob)
            offset += len(blob)
        text = json.dumps(header).encode('utf-8')
        with open(sys.argv[1], 'wb') as f:
            f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ReadByPyTorch_SameNamesShapesAndValues()
    {
        if (!TorchAvailable())
        {
            return;
        }

        var path = _dir.File("from-dotnet.safetensors");
        var dbl = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(dbl, 0.1);
        BinaryPrimitives.WriteDoubleLittleEndian(dbl.AsSpan(8), -1e300);
        var steps = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(steps, -42);
        SafeTensorsFile.Write(
            path,
            [
                SafeTensor.FromFloats("fc.weight", [2, 3], [0.5f, -1f, 2f, 3.25f, 1e-20f, -7f]),
                new SafeTensor("fc.bias", SafeTensorDType.F64, [2], dbl),
                new SafeTensor("half", SafeTensorDType.F16, [2], [0x00, 0x3C, 0x00, 0xC1]),
                new SafeTensor("brain", SafeTensorDType.BF16, [1, 2], [0x80, 0x3F, 0x20, 0xC0]),
                new SafeTensor("steps", SafeTensorDType.I64, [], steps),
                new SafeTensor("nothing", SafeTensorDType.F32, [0, 3], []),
            ],
            new Dictionary<string, string> { ["format"] = "pt", ["round"] = "12" });

        using var output = JsonDocument.Parse(RunPython(ParseScript, path));
        var root = output.RootElement;
        var tensors = root.GetProperty("tensors");

        Assert.Equal(0, root.GetProperty("header_length").GetInt64() % 8);
        Assert.Equal("pt", root.GetProperty("metadata").GetProperty("format").GetString());
        Assert.Equal("12", root.GetProperty("metadata").GetProperty("round").GetString());
        Assert.Equal(["fc.weight", "fc.bias", "half", "brain", "steps", "nothing"], tensors.EnumerateObject().Select(p => p.Name));
        AssertTensor(tensors, "fc.weight", [2, 3], [0.5, -1, 2, 3.25, (double)1e-20f, -7]);
        AssertTensor(tensors, "fc.bias", [2], [0.1, -1e300]);
        AssertTensor(tensors, "half", [2], [1, -2.5]);
        AssertTensor(tensors, "brain", [1, 2], [1, -2.5]);
        AssertTensor(tensors, "steps", [], [-42]);
        AssertTensor(tensors, "nothing", [0, 3], []);
    }

    [Fact]
    public void Read_FileWrittenByPython_SameNamesShapesAndValues()
    {
        if (!TorchAvailable())
        {
            return;
        }

        var path = _dir.File("from-python.safetensors");
        RunPython(WriteScript, path);

        var (tensors, metadata) = SafeTensorsFile.Read(path);

        Assert.Equal("pt", Assert.Single(metadata).Value);
        Assert.Equal(["conv.bias", "conv.weight", "epoch", "table"], tensors.Select(t => t.Name));
        Assert.Equal(SafeTensorDType.BF16, tensors[0].DType);
        Assert.Equal([2L], tensors[0].Shape);
        Assert.Equal([1.5f, -2.25f], tensors[0].ToFloats());
        Assert.Equal(SafeTensorDType.F32, tensors[1].DType);
        Assert.Equal([2L, 1, 3], tensors[1].Shape);
        Assert.Equal([-0.5f, -0.25f, 0f, 0.25f, 0.5f, 0.75f], tensors[1].ToFloats());
        Assert.Equal(SafeTensorDType.I64, tensors[2].DType);
        Assert.Empty(tensors[2].Shape);
        Assert.Equal(7, BinaryPrimitives.ReadInt64LittleEndian(tensors[2].Data));
        Assert.Equal(SafeTensorDType.I32, tensors[3].DType);
        Assert.Equal([1L, 2], tensors[3].Shape);
        Assert.Equal(-2, BinaryPrimitives.ReadInt32LittleEndian(tensors[3].Data.AsSpan(4)));
    }

    private static void AssertTensor(JsonElement tensors, string name, long[] shape, double[] values)
    {
        var tensor = tensors.GetProperty(name);
        Assert.Equal(shape, tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(values, tensor.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
    }

    /// <summary>
    /// Outside CI a machine without python3-torch skips these checks; CI installs it (scripts/setup.sh), so there a
    /// missing torch fails.
    /// </summary>
    private static bool TorchAvailable()
    {
        var available = File.Exists(Python) && Run(["-c", "import torch"]).ExitCode == 0;
        Assert.False(
            !available && Environment.GetEnvironmentVariable("CI") == "true",
            $"{Python} with torch is missing (CI=true): run scripts/setup.sh (installs python3-torch).");
        return available;
    }

    private static string RunPython(string script, string path)
    {
        var (exitCode, stdout, stderr) = Run(["-c", script, path]);
        Assert.True(exitCode == 0, $"python3 exited with {exitCode}:\n{stderr}");
        return stdout;
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("python3 did not finish within two minutes.");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
