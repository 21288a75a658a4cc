using System.Numerics;

namespace GossipFl.Learning.SecureAggregation;

/// <summary>One Shamir share (x, f(x)) of a secret, x ≥ 1, y in GF(2^521 − 1) (<see cref="ShamirSecretSharing"/>).</summary>
public readonly record struct SecretShare(int X, BigInteger Y);
