namespace GossipFl.Daemon.Discovery.Dns;

/// <summary>
/// Why a datagram was not accepted as a DNS message. Every rejection names exactly one reason, so counters
/// keyed by this enum account for every datagram that was dropped. Values are stable (they appear in logs).
/// </summary>
public enum DnsRejection
{
    None = 0,

    /// <summary>Shorter than the 12-byte header.</summary>
    TruncatedHeader = 1,

    /// <summary>Longer than the largest mDNS message we accept (RFC 6762 §17: 9000 bytes).</summary>
    MessageTooLarge = 2,

    /// <summary>A name ran past the end of the message before its terminating zero label.</summary>
    NameTruncated = 3,

    /// <summary>A label length byte used the reserved 0x40 or 0x80 prefixes (RFC 6891 §5, RFC 1035 §4.1.4).</summary>
    ReservedLabelType = 4,

    /// <summary>A name's wire length exceeded 255 bytes (RFC 1035 §2.3.4).</summary>
    NameTooLong = 5,

    /// <summary>A compression pointer pointed outside the message or into its header.</summary>
    PointerOutOfBounds = 6,

    /// <summary>A compression pointer pointed forward (at or after itself), which RFC 1035 §4.1.4 never produces.</summary>
    PointerForward = 7,

    /// <summary>A compression pointer led back to a place already visited for the same name, or the chain of
    /// pointers was longer than any encoder produces.</summary>
    PointerLoop = 8,

    /// <summary>A label was not valid UTF-8 (RFC 6762 §16: names are UTF-8).</summary>
    InvalidLabelEncoding = 9,

    /// <summary>A question ended before its type and class.</summary>
    QuestionTruncated = 10,

    /// <summary>A resource record ended before its fixed fields or its rdata.</summary>
    RecordTruncated = 11,

    /// <summary>The rdata did not have the length its type requires, or its contents did not fill it exactly.</summary>
    RdataLengthMismatch = 12,

    /// <summary>The header counts promise more entries than the message holds.</summary>
    CountExceedsData = 13,

    /// <summary>Bytes remain after the last entry the header counts announce.</summary>
    TrailingData = 14,

    /// <summary>A TXT string ran past its record's rdata.</summary>
    TxtStringTruncated = 15,

    /// <summary>An NSEC type bitmap was malformed (RFC 4034 §4.1.2: window order, length 1-32).</summary>
    InvalidNsecBitmap = 16,

    /// <summary>The opcode is not a standard query; RFC 6762 §18.3 says such messages are silently ignored.</summary>
    UnsupportedOpcode = 17,

    /// <summary>The response code is not zero; RFC 6762 §18.11 says such messages are silently ignored.</summary>
    NonZeroResponseCode = 18,
}
