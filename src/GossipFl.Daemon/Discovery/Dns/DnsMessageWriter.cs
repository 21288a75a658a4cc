using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// Writes <see cref="DnsMessage"/>s into one pooled buffer, compressing names (RFC 1035 §4.1.4) in owner names
/// and in PTR and SRV targets (RFC 6762 §18.14 allows it there). NSEC next names are written in full, which every
/// reader accepts. One writer is reused for many messages; <see cref="Written"/> is valid until the next write.
/// </summary>
public sealed class DnsMessageWriter : IDisposable
{
    /// <summary>Compression pointers carry 14 bits of offset.</summary>
    private const int MaxPointerTarget = 0x3FFF;

    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private byte[] _buffer;
    private int _length;
    private bool _overflow;
    private bool _compress = true;

    public DnsMessageWriter(int capacity = DnsMessage.MaxSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, DnsHeader.Size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, DnsMessage.MaxSize);
        _capacity = capacity;
        _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Writes the message; false (and nothing valid written) if it does not fit the capacity.</summary>
    public bool TryWrite(DnsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        _names.Clear();
        _length = DnsHeader.Size;
        _overflow = false;
        _compress = true;
        new DnsHeader(
            message.Id,
            message.Flags,
            0,
            0,
            checked((ushort)message.Questions.Count),
            checked((ushort)message.Answers.Count),
            checked((ushort)message.Authorities.Count),
            checked((ushort)message.Additionals.Count)).WriteTo(_buffer);
        foreach (var question in message.Questions)
        {
            WriteName(question.Name);
            WriteUInt16((ushort)question.Type);
            WriteUInt16((ushort)(question.Class | (question.UnicastResponse ? DnsClass.TopBit : 0)));
        }

        foreach (var record in message.AllRecords)
        {
            WriteRecord(record);
        }

        if (_overflow)
        {
            _length = 0;
            return false;
        }

        return true;
    }

    /// <summary>
    /// The rdata with no compression, as RFC 6762 §8.2 compares it when breaking probe ties: "raw binary content
    /// of the rdata", names uncompressed.
    /// </summary>
    public static byte[] CanonicalRdata(DnsRecordData data)
    {
        using var writer = new DnsMessageWriter();
        writer._compress = false;
        writer._length = 0;
        writer.WriteData(data);
        return writer._overflow ? [] : writer.Written.ToArray();
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void WriteRecord(DnsResourceRecord record)
    {
        WriteName(record.Name);
        WriteUInt16((ushort)record.Type);
        WriteUInt16((ushort)(record.Class | (record.CacheFlush ? DnsClass.TopBit : 0)));
        WriteUInt32(record.Ttl);
        var lengthAt = _length;
        WriteUInt16(0);
        var start = _length;
        WriteData(record.Data);
        if (!_overflow)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(lengthAt), checked((ushort)(_length - start)));
        }
    }

    private void WriteData(DnsRecordData data)
    {
        switch (data)
        {
            case AddressData address:
                if (Reserve(address.Type == DnsRecordType.A ? 4 : 16) is { Length: > 0 } span)
                {
                    address.Address.TryWriteBytes(span, out _);
                }

                break;
            case PtrData ptr:
                WriteName(ptr.Target);
                break;
            case SrvData srv:
                WriteUInt16(srv.Priority);
                WriteUInt16(srv.Weight);
                WriteUInt16(srv.Port);
                WriteName(srv.Target);
                break;
            case TxtData txt:
                // RFC 6763 §6.1: a TXT record with no strings is sent as one empty string.
                if (txt.Strings.Count == 0)
                {
                    WriteByte(0);
                }

                foreach (var s in txt.Strings)
                {
                    WriteByte((byte)s.Length);
                    WriteBytes(s);
                }

                break;
            case NsecData nsec:
                var compress = _compress;
                _compress = false;
                WriteName(nsec.NextName);
                _compress = compress;
                WriteTypeBitmaps(nsec.Types);
                break;
            case UnknownData unknown:
                WriteBytes(unknown.Bytes);
                break;
            default:
                throw new ArgumentException($"no writer for {data.GetType().Name}", nameof(data));
        }
    }

    private void WriteTypeBitmaps(IReadOnlyList<DnsRecordType> types)
    {
        foreach (var window in types.Select(t => (int)t >> 8).Distinct().Order())
        {
            var inWindow = types.Where(t => (int)t >> 8 == window).Select(t => (int)t & 0xFF).ToArray();
            var length = (inWindow.Max() / 8) + 1;
            WriteByte((byte)window);
            WriteByte((byte)length);
            var bitmap = Reserve(length);
            if (bitmap.Length == 0)
            {
                return;
            }

            bitmap.Clear();
            foreach (var low in inWindow)
            {
                bitmap[low / 8] |= (byte)(0x80 >> (low % 8));
            }
        }
    }

    private void WriteName(DnsName name)
    {
        var labels = name.Labels;
        for (var i = 0; i < labels.Count; i++)
        {
            var suffix = _compress ? SuffixKey(labels, i) : null;
            if (suffix is not null && _names.TryGetValue(suffix, out var target))
            {
                WriteUInt16((ushort)(0xC000 | target));
                return;
            }

            if (suffix is not null && _length <= MaxPointerTarget)
            {
                _names[suffix] = _length;
            }

            var byteCount = Encoding.UTF8.GetByteCount(labels[i]);
            WriteByte((byte)byteCount);
            var span = Reserve(byteCount);
            if (span.Length == byteCount)
            {
                Encoding.UTF8.GetBytes(labels[i], span);
            }
        }

        WriteByte(0);
    }

    /// <summary>Exact (case-preserving) key of the labels from <paramref name="start"/> on: a pointer must
    /// reproduce the very bytes it replaces, so names differing only in case are not merged.</summary>
    private static string SuffixKey(IReadOnlyList<string> labels, int start)
    {
        var builder = new StringBuilder();
        for (var i = start; i < labels.Count; i++)
        {
            // A length prefix per label keeps the key unambiguous whatever characters labels contain.
            builder.Append(labels[i].Length).Append(':').Append(labels[i]);
        }

        return builder.ToString();
    }

    private void WriteByte(byte value)
    {
        var span = Reserve(1);
        if (span.Length == 1)
        {
            span[0] = value;
        }
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        var span = Reserve(bytes.Length);
        if (span.Length == bytes.Length)
        {
            bytes.CopyTo(span);
        }
    }

    private void WriteUInt16(ushort value)
    {
        var span = Reserve(2);
        if (span.Length == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span, value);
        }
    }

    private void WriteUInt32(uint value)
    {
        var span = Reserve(4);
        if (span.Length == 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, value);
        }
    }

    /// <summary>Claims <paramref name="count"/> bytes, or marks the message as overflowing and returns an empty span.</summary>
    private Span<byte> Reserve(int count)
    {
        if (_overflow || _length + count > _capacity)
        {
            _overflow = true;
            return [];
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
