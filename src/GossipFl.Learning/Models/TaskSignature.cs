using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GossipFl.Learning.Models;

/// <summary>
/// What peers compare before they exchange a single parameter: SHA-256 over the task (the topology's declared
/// contract, or for an experiment on one shared data set the data set and partition), the model's architecture,
/// the algorithm, the compression of messages when there is any, and the initial parameters every peer starts from (which fixes the seed, or the weights a run
/// starts from). Two peers with equal signatures train the same model on the same task; any difference means their
/// parameters must never be mixed. The daemon carries it in the transport's handshake (docs/protocol.md §2).
/// </summary>
public sealed class TaskSignature : IEquatable<TaskSignature>
{
    public const int Size = 32;

    private readonly byte[] _bytes;

    private TaskSignature(byte[] bytes, string text)
    {
        _bytes = bytes;
        Text = text;
    }

    /// <summary>The text that was hashed (before the initial parameters), for logs and docs.</summary>
    public string Text { get; }

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Computes the signature. <paramref name="task"/> is a canonical text (e.g. <c>TaskDeclaration.Canonical()</c>).</summary>
    /// <param name="compression">
    /// The codec and consensus step as canonical text (<see cref="GossipFl.Learning.Compression.CompressionSignature"/>); null for uncompressed
    /// messages, which leaves the hashed text, and so the signature, what it was before compression existed.
    /// </param>
    /// <param name="privacy">
    /// Peer-level DP's canonical text (<see cref="GossipFl.Learning.Privacy.PrivacySpec.SignatureText"/>); null without DP, which
    /// leaves the signature what it was before DP existed.
    /// </param>
    public static TaskSignature Compute(string task, ModelSpec model, string algorithm, ReadOnlySpan<float> initial, string? compression = null, string? privacy = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(algorithm);

        // A TorchScript file's path differs between machines; its architecture shows in the parameter count and its
        // weights in the initial parameters.
        var architecture = model.Kind == ModelKind.TorchScript ? "torchscript" : model.ToString();
        var text = string.Create(CultureInfo.InvariantCulture,
            $"gossipfl task signature/1\n{task}\nmodel={architecture}\nalgorithm={algorithm}{(compression is null ? "" : "\ncompress=" + compression)}{(privacy is null ? "" : "\nprivacy=" + privacy)}\nparameters={initial.Length}");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(text + "\ninitial="));
        Span<byte> little = stackalloc byte[4 * 1024];
        for (var offset = 0; offset < initial.Length; offset += little.Length / 4)
        {
            var chunk = initial.Slice(offset, Math.Min(little.Length / 4, initial.Length - offset));
            for (var i = 0; i < chunk.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(little[(4 * i)..], chunk[i]);
            }

            hash.AppendData(little[..(4 * chunk.Length)]);
        }

        return new TaskSignature(hash.GetHashAndReset(), text);
    }

    /// <summary>Lowercase hex of the first 8 bytes: enough to tell signatures apart in a log line.</summary>
    public static string Abbreviate(ReadOnlySpan<byte> signature) => Convert.ToHexStringLower(signature[..Math.Min(8, signature.Length)]);

    public override string ToString() => Abbreviate(_bytes);

    public bool Equals(TaskSignature? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as TaskSignature);

    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(_bytes);
}
