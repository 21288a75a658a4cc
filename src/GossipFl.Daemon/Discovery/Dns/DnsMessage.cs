using System.Buffers.Binary;
using System.Net;

namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// A whole DNS message (RFC 1035 §4.1) as used by mDNS: header fields, questions and three record sections.
/// <see cref="TryRead"/> accepts only messages whose every byte is accounted for; anything else is rejected
/// with one <see cref="DnsRejection"/> reason and never an exception.
/// </summary>
public sealed class DnsMessage
{
    /// <summary>Largest message accepted or written (RFC 6762 §17).</summary>
    public const int MaxSize = 9000;

    public ushort Id { get; init; }

    public DnsHeaderBits Flags { get; init; }

    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];

    public IReadOnlyList<DnsResourceRecord> Answers { get; init; } = [];

    public IReadOnlyList<DnsResourceRecord> Authorities { get; init; } = [];

    public IReadOnlyList<DnsResourceRecord> Additionals { get; init; } = [];

    public bool IsResponse => (Flags & DnsHeaderBits.Response) != 0;

    public bool IsTruncated => (Flags & DnsHeaderBits.Truncated) != 0;

    public IEnumerable<DnsResourceRecord> AllRecords => Answers.Concat(Authorities).Concat(Additionals);

    public static bool TryRead(ReadOnlySpan<byte> buffer, out DnsMessage message, out DnsRejection reason)
    {
        message = Empty;
        if (buffer.Length < DnsHeader.Size)
        {
            reason = DnsRejection.TruncatedHeader;
            return false;
        }

        if (buffer.Length > MaxSize)
        {
            reason = DnsRejection.MessageTooLarge;
            return false;
        }

        var header = DnsHeader.ReadFrom(buffer);
        if (header.Opcode != 0)
        {
            reason = DnsRejection.UnsupportedOpcode;
            return false;
        }

        if (header.ResponseCode != 0)
        {
            reason = DnsRejection.NonZeroResponseCode;
            return false;
        }

        // Cheap upper bound before allocating anything: each question needs at least a root name and 4 bytes,
        // each record a root name and 10 bytes. Counts beyond that cannot match the data.
        var records = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        var minimum = (header.QuestionCount * (1 + DnsQuestion.FixedSize)) + (records * (1 + DnsResourceRecord.FixedSize));
        if (minimum > buffer.Length - DnsHeader.Size)
        {
            reason = DnsRejection.CountExceedsData;
            return false;
        }

        var offset = DnsHeader.Size;
        var questions = new DnsQuestion[header.QuestionCount];
        for (var i = 0; i < questions.Length; i++)
        {
            if (!TryReadQuestion(buffer, ref offset, out questions[i], out reason))
            {
                return false;
            }
        }

        if (!TryReadSection(buffer, ref offset, header.AnswerCount, out var answers, out reason) ||
            !TryReadSection(buffer, ref offset, header.AuthorityCount, out var authorities, out reason) ||
            !TryReadSection(buffer, ref offset, header.AdditionalCount, out var additionals, out reason))
        {
            return false;
        }

        if (offset != buffer.Length)
        {
            reason = DnsRejection.TrailingData;
            return false;
        }

        message = new DnsMessage
        {
            Id = header.Id,
            Flags = header.Flags,
            Questions = questions,
            Answers = answers,
            Authorities = authorities,
            Additionals = additionals,
        };
        reason = DnsRejection.None;
        return true;
    }

    private static DnsMessage Empty { get; } = new();

    private static bool TryReadQuestion(ReadOnlySpan<byte> buffer, ref int offset, out DnsQuestion question, out DnsRejection reason)
    {
        question = null!;
        if (offset >= buffer.Length)
        {
            reason = DnsRejection.CountExceedsData;
            return false;
        }

        if (!DnsName.TryRead(buffer, ref offset, out var name, out reason))
        {
            return false;
        }

        if (offset + DnsQuestion.FixedSize > buffer.Length)
        {
            reason = DnsRejection.QuestionTruncated;
            return false;
        }

        var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(buffer[offset..]);
        var klass = BinaryPrimitives.ReadUInt16BigEndian(buffer[(offset + 2)..]);
        offset += DnsQuestion.FixedSize;
        question = new DnsQuestion(name, type, (ushort)(klass & ~DnsClass.TopBit), (klass & DnsClass.TopBit) != 0);
        return true;
    }

    private static bool TryReadSection(
        ReadOnlySpan<byte> buffer, ref int offset, int count, out DnsResourceRecord[] records, out DnsRejection reason)
    {
        records = count == 0 ? [] : new DnsResourceRecord[count];
        for (var i = 0; i < count; i++)
        {
            if (!TryReadRecord(buffer, ref offset, out records[i], out reason))
            {
                return false;
            }
        }

        reason = DnsRejection.None;
        return true;
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> buffer, ref int offset, out DnsResourceRecord record, out DnsRejection reason)
    {
        record = null!;
        if (offset >= buffer.Length)
        {
            reason = DnsRejection.CountExceedsData;
            return false;
        }

        if (!DnsName.TryRead(buffer, ref offset, out var name, out reason))
        {
            return false;
        }

        if (offset + DnsResourceRecord.FixedSize > buffer.Length)
        {
            reason = DnsRejection.RecordTruncated;
            return false;
        }

        var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(buffer[offset..]);
        var klass = BinaryPrimitives.ReadUInt16BigEndian(buffer[(offset + 2)..]);
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(buffer[(offset + 4)..]);
        var length = BinaryPrimitives.ReadUInt16BigEndian(buffer[(offset + 8)..]);
        offset += DnsResourceRecord.FixedSize;
        if (offset + length > buffer.Length)
        {
            reason = DnsRejection.RecordTruncated;
            return false;
        }

        var rdataEnd = offset + length;
        if (!TryReadData(buffer, offset, rdataEnd, type, out var data, out reason))
        {
            return false;
        }

        offset = rdataEnd;

        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
        record = new DnsResourceRecord(name, (ushort)(klass & ~DnsClass.TopBit), (klass & DnsClass.TopBit) != 0, ttl > int.MaxValue ? 0 : ttl, data);
        return true;
    }

    private static bool TryReadData(
        ReadOnlySpan<byte> buffer, int start, int end, DnsRecordType type, out DnsRecordData data, out DnsRejection reason)
    {
        data = null!;
        var rdata = buffer[start..end];
        switch (type)
        {
            case DnsRecordType.A or DnsRecordType.Aaaa:
                if (rdata.Length != (type == DnsRecordType.A ? 4 : 16))
                {
                    reason = DnsRejection.RdataLengthMismatch;
                    return false;
                }

                data = new AddressData(new IPAddress(rdata));
                break;
            case DnsRecordType.DomainPointer:
                if (!TryReadNameExactly(buffer, start, end, out var target, out reason))
                {
                    return false;
                }

                data = new PtrData(target);
                break;
            case DnsRecordType.Srv:
                if (rdata.Length < SrvData.FixedSize + 1)
                {
                    reason = DnsRejection.RdataLengthMismatch;
                    return false;
                }

                if (!TryReadNameExactly(buffer, start + SrvData.FixedSize, end, out var host, out reason))
                {
                    return false;
                }

                data = new SrvData(
                    BinaryPrimitives.ReadUInt16BigEndian(rdata),
                    BinaryPrimitives.ReadUInt16BigEndian(rdata[2..]),
                    BinaryPrimitives.ReadUInt16BigEndian(rdata[4..]),
                    host);
                break;
            case DnsRecordType.Txt:
                var strings = new List<byte[]>();
                for (var p = 0; p < rdata.Length; p += 1 + rdata[p])
                {
                    if (p + 1 + rdata[p] > rdata.Length)
                    {
                        reason = DnsRejection.TxtStringTruncated;
                        return false;
                    }

                    strings.Add(rdata.Slice(p + 1, rdata[p]).ToArray());
                }

                // RFC 6763 §6.1: an empty rdata means the same as one empty string; read both the same way.
                if (strings.Count == 0)
                {
                    strings.Add([]);
                }

                data = new TxtData(strings);
                break;
            case DnsRecordType.Nsec:
                var offset = start;
                if (!DnsName.TryRead(buffer, ref offset, out var next, out reason))
                {
                    return false;
                }

                if (offset > end)
                {
                    reason = DnsRejection.RdataLengthMismatch;
                    return false;
                }

                if (!TryReadTypeBitmaps(buffer[offset..end], out var types))
                {
                    reason = DnsRejection.InvalidNsecBitmap;
                    return false;
                }

                data = new NsecData(next, types);
                break;
            default:
                data = new UnknownData(type, rdata.ToArray());
                break;
        }

        reason = DnsRejection.None;
        return true;
    }

    /// <summary>Reads a name that must end exactly where its rdata ends.</summary>
    private static bool TryReadNameExactly(ReadOnlySpan<byte> buffer, int start, int end, out DnsName name, out DnsRejection reason)
    {
        var offset = start;
        if (!DnsName.TryRead(buffer, ref offset, out name, out reason))
        {
            return false;
        }

        if (offset != end)
        {
            reason = DnsRejection.RdataLengthMismatch;
            return false;
        }

        return true;
    }

    /// <summary>RFC 4034 §4.1.2: windows in increasing order, each with a 1-32 byte bitmap.</summary>
    private static bool TryReadTypeBitmaps(ReadOnlySpan<byte> bitmaps, out List<DnsRecordType> types)
    {
        types = [];
        var previousWindow = -1;
        var p = 0;
        while (p < bitmaps.Length)
        {
            if (p + 2 > bitmaps.Length)
            {
                return false;
            }

            int window = bitmaps[p];
            int length = bitmaps[p + 1];
            if (window <= previousWindow || length is 0 or > 32 || p + 2 + length > bitmaps.Length)
            {
                return false;
            }

            for (var i = 0; i < length; i++)
            {
                var bits = bitmaps[p + 2 + i];
                for (var bit = 0; bit < 8; bit++)
                {
                    if ((bits & (0x80 >> bit)) != 0)
                    {
                        types.Add((DnsRecordType)((window << 8) | (i << 3) | bit));
                    }
                }
            }

            previousWindow = window;
            p += 2 + length;
        }

        return true;
    }
}
