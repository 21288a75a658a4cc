namespace GossipFl.Learning.SecureAggregation;

/// <summary>
/// A client's long-term identity as the protocol uses it (Bonawitz et al. §4, active-adversary variant): the DER
/// SubjectPublicKeyInfo of its P-256 key, which the others check against the fingerprint pinned for it, and a way to
/// sign with the private key (ECDSA over SHA-256, 64-byte r ‖ s). The daemon passes the node's identity key; the
/// private key never enters the library.
/// </summary>
public sealed record SigningIdentity(byte[] PublicKey, Func<byte[], byte[]> Sign);
