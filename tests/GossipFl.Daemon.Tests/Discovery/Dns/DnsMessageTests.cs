using System.Net;
using System.Text;
using GossipFl.Daemon.Discovery;
using GossipFl.Daemon.Discovery.Dns;

namespace GossipFl.Daemon.Tests.Discovery.Dns;

public sealed class DnsMessageTests
{
    private static readonly DnsName Instance = DnsName.Parse("node 1\\.x._gossipfl._udp.local");
    private static readonly DnsName Host = DnsName.Parse("node-1.local");

    [Fact]
    public void Header_RoundTrips_AllFields()
    {
        var header = new DnsHeader(0xBEEF, DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer | DnsHeaderBits.Truncated, 0, 0, 1, 2, 3, 4);
        Span<byte> buffer = stackalloc byte[DnsHeader.Size];
        header.WriteTo(buffer);

        Assert.Equal(header, DnsHeader.ReadFrom(buffer));
        Assert.Equal([0xBE, 0xEF, 0x86, 0x00, 0, 1, 0, 2, 0, 3, 0, 4], buffer.ToArray());
    }

    [Fact]
    public void Message_WithEveryRecordType_RoundTrips_WithFlagBits()
    {
        var message = new DnsMessage
        {
            Id = 7,
            Flags = DnsHeaderBits.Response | DnsHeaderBits.AuthoritativeAnswer,
            Questions = [new DnsQuestion(Instance, DnsRecordType.Any, DnsClass.Internet, UnicastResponse: true)],
            Answers =
            [
                new DnsResourceRecord(DnsName.Parse("_gossipfl._udp.local"), DnsClass.Internet, false, 4500, new PtrData(Instance)),
                new DnsResourceRecord(Instance, DnsClass.Internet, true, 120, new SrvData(1, 2, 7000, Host)),
                new DnsResourceRecord(Instance, DnsClass.Internet, true, 4500, TxtProperties.Build([new("v", "1"), new("fp", "ab:cd")])),
            ],
            Authorities = [new DnsResourceRecord(Host, DnsClass.Internet, false, 120, new AddressData(IPAddress.Parse("10.0.0.1")))],
            Additionals =
            [
                new DnsResourceRecord(Host, DnsClass.Internet, true, 120, new AddressData(IPAddress.Parse("fe80::1"))),
                new DnsResourceRecord(Host, DnsClass.Internet, true, 120, new NsecData(Host, [DnsRecordType.A, DnsRecordType.Aaaa])),
                new DnsResourceRecord(Host, DnsClass.Internet, true, 120, new UnknownData((DnsRecordType)99, [1, 2, 3])),
            ],
        };

        var read = RoundTrip(message);

        Assert.Equal(7, read.Id);
        Assert.Equal(message.Flags, read.Flags);
        Assert.Equal(message.Questions, read.Questions);
        Assert.Equal(message.Answers, read.Answers);
        Assert.Equal(message.Authorities, read.Authorities);
        Assert.Equal(message.Additionals, read.Additionals);
        Assert.True(read.Questions[0].UnicastResponse);
        Assert.True(read.Answers[1].CacheFlush);
        Assert.Equal(DnsClass.Internet, read.Answers[1].Class);
        Assert.Equal("node 1\\.x", read.Answers[0].Data is PtrData p ? p.Target.ToString()[..9] : "");
    }

    [Fact]
    public void Writer_CompressesRepeatedSuffixes()
    {
        var records = Enumerable.Range(0, 8).Select(i => new DnsResourceRecord(
            DnsName.Parse("_gossipfl._udp.local"), DnsClass.Internet, false, 4500, new PtrData(DnsName.Parse($"node-{i}._gossipfl._udp.local")))).ToList();
        using var writer = new DnsMessageWriter();
        Assert.True(writer.TryWrite(new DnsMessage { Answers = records }));

        // Uncompressed, each record would repeat 22 bytes of owner name and 22 of target suffix.
        Assert.True(writer.Written.Length < 8 * 30, $"{writer.Written.Length} bytes");
        Assert.True(DnsMessage.TryRead(writer.Written, out var read, out _));
        Assert.Equal(records, read.Answers);
    }

    [Fact]
    public void Writer_DoesNotMergeNamesThatDifferOnlyInCase()
    {
        var message = new DnsMessage
        {
            Answers =
            [
                new DnsResourceRecord(DnsName.Parse("Node.local"), DnsClass.Internet, false, 1, new PtrData(DnsName.Parse("a.local"))),
                new DnsResourceRecord(DnsName.Parse("node.local"), DnsClass.Internet, false, 1, new PtrData(DnsName.Parse("b.local"))),
            ],
        };

        var read = RoundTrip(message);

        Assert.Equal("Node", read.Answers[0].Name.Labels[0]);
        Assert.Equal("node", read.Answers[1].Name.Labels[0]);
    }

    [Fact]
    public void Writer_ReportsOverflow_InsteadOfWritingPastCapacity()
    {
        using var writer = new DnsMessageWriter(100);
        var big = new DnsMessage { Answers = [new DnsResourceRecord(Host, DnsClass.Internet, false, 1, new UnknownData((DnsRecordType)99, new byte[200]))] };

        Assert.False(writer.TryWrite(big));
        Assert.Equal(0, writer.Written.Length);
    }

    [Fact]
    public void Name_ComparesAsciiCaseInsensitively_ButNotOtherLetters()
    {
        Assert.Equal(DnsName.Parse("NODE._GossipFL._udp.LOCAL"), DnsName.Parse("node._gossipfl._udp.local"));
        Assert.Equal(DnsName.Parse("A.b").GetHashCode(), DnsName.Parse("a.B").GetHashCode());
        Assert.NotEqual(DnsName.Parse("É.local"), DnsName.Parse("é.local"));
    }

    [Fact]
    public void Name_EscapesDotsAndBackslashesInLabels()
    {
        var name = DnsName.Parse("My\\.Node\\\\1._gossipfl._udp.local.");

        Assert.Equal("My.Node\\1", name.Labels[0]);
        Assert.Equal(4, name.Labels.Count);
        Assert.Equal("My\\.Node\\\\1._gossipfl._udp.local", name.ToString());
    }

    [Fact]
    public void Name_Over63ByteLabelOr255ByteName_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => DnsName.Parse(new string('a', 64) + ".local"));
        Assert.Throws<ArgumentException>(() => DnsName.Parse(string.Join('.', Enumerable.Repeat(new string('a', 63), 4))));
        Assert.Equal(255, DnsName.Parse(string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('a', 61)).WireLength);
    }

    [Fact]
    public void Txt_KeysAreCaseInsensitive_FirstWins_BareKeyIsBoolean()
    {
        var txt = new TxtData([B("V=1"), B("v=2"), B("flag"), B("=novalue"), B("empty=")]);

        var properties = TxtProperties.Parse(txt);

        Assert.Equal("1", properties["v"]);
        Assert.True(properties.ContainsKey("FLAG"));
        Assert.Null(properties["flag"]);
        Assert.Equal("", properties["empty"]);
        Assert.Equal(3, properties.Count);
    }

    [Fact]
    public void Txt_EmptyRecord_IsWrittenAsOneEmptyString()
    {
        var read = RoundTrip(new DnsMessage { Answers = [new DnsResourceRecord(Instance, DnsClass.Internet, true, 1, new TxtData([]))] });

        var strings = ((TxtData)read.Answers[0].Data).Strings;
        Assert.Single(strings);
        Assert.Empty(strings[0]);
    }

    [Fact]
    public void Txt_OversizedPair_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => TxtProperties.Build([new("fp", new string('x', 253))]));
        Assert.Throws<ArgumentException>(() => TxtProperties.Build([new("a=b", "c")]));
    }

    [Fact]
    public void Ttl_WithTopBitSet_IsReadAsZero()
    {
        var bytes = Write(new DnsMessage { Answers = [new DnsResourceRecord(Host, DnsClass.Internet, false, 5, new AddressData(IPAddress.Loopback))] });
        bytes[DnsHeader.Size + Host.WireLength + 4] = 0x80;

        Assert.True(DnsMessage.TryRead(bytes, out var read, out _));
        Assert.Equal(0u, read.Answers[0].Ttl);
    }

    public static TheoryData<string, byte[], DnsRejection> Malformed => new()
    {
        { "short header", [0, 0, 0, 0, 0, 1], DnsRejection.TruncatedHeader },
        { "opcode 5 (update)", [.. Header(0x28, 0, 0), 0], DnsRejection.UnsupportedOpcode },
        { "rcode 3", [.. Header(0x80, 0x03, 0)], DnsRejection.NonZeroResponseCode },
        { "question count with no data", [.. Header(0, 0, 1)], DnsRejection.CountExceedsData },
        { "two questions promised, one given", [.. Header(0, 0, 2), 4, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0, 0, 1, 0, 1], DnsRejection.CountExceedsData },
        { "bytes after the last entry", [.. Header(0, 0, 1), 0, 0, 1, 0, 1, 9], DnsRejection.TrailingData },
        { "label runs off the end", [.. Header(0, 0, 1), 9, (byte)'a', 0, 0, 1, 0, 1], DnsRejection.NameTruncated },
        { "label type 0x40", [.. Header(0, 0, 1), 0x41, 0, 0, 1, 0, 1], DnsRejection.ReservedLabelType },
        { "label type 0x80", [.. Header(0, 0, 1), 0x81, 0, 0, 1, 0, 1], DnsRejection.ReservedLabelType },
        { "pointer to itself", [.. Header(0, 0, 1), 0xC0, 12, 0, 1, 0, 1], DnsRejection.PointerLoop },
        { "pointer forward", [.. Header(0, 0, 1), 0xC0, 18, 0, 1, 0, 1, 0], DnsRejection.PointerForward },
        { "pointer past the end", [.. Header(0, 0, 1), 0xC0, 200, 0, 1, 0, 1], DnsRejection.PointerOutOfBounds },
        { "pointer into the header", [.. Header(0, 0, 1), 0xC0, 2, 0, 1, 0, 1], DnsRejection.PointerOutOfBounds },
        { "pointer back to the start of its own name", [.. Header(0, 0, 1), 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1], DnsRejection.PointerLoop },
        { "pointer to a later name", [.. Header(0, 0, 2), 1, (byte)'a', 0xC0, 20, 0, 1, 0, 1, 1, (byte)'b', 0xC0, 12, 0, 1, 0, 1], DnsRejection.PointerForward },
        { "invalid UTF-8 label", [.. Header(0, 0, 1), 2, 0xC3, 0x28, 0, 0, 1, 0, 1], DnsRejection.InvalidLabelEncoding },
        { "question without type", [.. Header(0, 0, 1), 3, (byte)'a', (byte)'b', (byte)'c', 0, 0, 1], DnsRejection.QuestionTruncated },
        { "record without rdata", [.. Header(0x84, 0, 0, 1), 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10], DnsRejection.RecordTruncated },
        { "A with 5 bytes", [.. Header(0x84, 0, 0, 1), 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5], DnsRejection.RdataLengthMismatch },
        { "PTR name shorter than rdata", [.. Header(0x84, 0, 0, 1), 0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0], DnsRejection.RdataLengthMismatch },
        { "SRV without target", [.. Header(0x84, 0, 0, 1), 0, 0, 33, 0, 1, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 1], DnsRejection.RdataLengthMismatch },
        { "TXT string past rdata", [.. Header(0x84, 0, 0, 1), 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 5, (byte)'a'], DnsRejection.TxtStringTruncated },
        { "NSEC window length 0", [.. Header(0x84, 0, 0, 1), 0, 0, 47, 0, 1, 0, 0, 0, 1, 0, 3, 0, 0, 0], DnsRejection.InvalidNsecBitmap },
        { "NSEC windows out of order", [.. Header(0x84, 0, 0, 1), 0, 0, 47, 0, 1, 0, 0, 0, 1, 0, 7, 0, 0, 1, 0x40, 0, 1, 0x40], DnsRejection.InvalidNsecBitmap },
        { "record count with no data", [.. Header(0x84, 0, 0, 3)], DnsRejection.CountExceedsData },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryRead_Malformed_IsRejectedWithItsReason(string what, byte[] datagram, DnsRejection expected)
    {
        Assert.False(DnsMessage.TryRead(datagram, out _, out var reason), what);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void TryRead_NameOver255Bytes_ThroughPointers_IsRejected()
    {
        // Five names of 63-byte labels, each pointing back at the previous one: the fifth expands past 255 bytes.
        var bytes = new List<byte>(Header(0, 0, 5));
        var previous = -1;
        for (var i = 0; i < 5; i++)
        {
            var start = bytes.Count;
            bytes.Add(63);
            bytes.AddRange(Enumerable.Repeat((byte)'a', 63));
            if (previous < 0)
            {
                bytes.Add(0);
            }
            else
            {
                bytes.Add((byte)(0xC0 | (previous >> 8)));
                bytes.Add((byte)previous);
            }

            bytes.AddRange([0, 1, 0, 1]);
            previous = start;
        }

        Assert.False(DnsMessage.TryRead(bytes.ToArray(), out _, out var reason));
        Assert.Equal(DnsRejection.NameTooLong, reason);
    }

    [Fact]
    public void TryRead_OversizedDatagram_IsRejected()
    {
        Assert.False(DnsMessage.TryRead(new byte[DnsMessage.MaxSize + 1], out _, out var reason));
        Assert.Equal(DnsRejection.MessageTooLarge, reason);
    }

    [Fact]
    public void TryRead_BackwardPointerChain_IsFollowed()
    {
        var message = new DnsMessage
        {
            Questions =
            [
                new DnsQuestion(DnsName.Parse("local"), DnsRecordType.A),
                new DnsQuestion(DnsName.Parse("_udp.local"), DnsRecordType.A),
                new DnsQuestion(DnsName.Parse("_gossipfl._udp.local"), DnsRecordType.A),
                new DnsQuestion(DnsName.Parse("x._gossipfl._udp.local"), DnsRecordType.A),
            ],
        };

        Assert.Equal(message.Questions, RoundTrip(message).Questions);
    }

    private static byte[] Header(byte flagsHigh, byte flagsLow, ushort questions, ushort answers = 0) =>
        [0, 0, flagsHigh, flagsLow, (byte)(questions >> 8), (byte)questions, (byte)(answers >> 8), (byte)answers, 0, 0, 0, 0];

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Write(DnsMessage message)
    {
        using var writer = new DnsMessageWriter();
        Assert.True(writer.TryWrite(message));
        return writer.Written.ToArray();
    }

    private static DnsMessage RoundTrip(DnsMessage message)
    {
        Assert.True(DnsMessage.TryRead(Write(message), out var read, out var reason), reason.ToString());
        return read;
    }
}
