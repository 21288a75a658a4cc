using GossipFl.Daemon.Status;

namespace GossipFl.Daemon.Inspection;

/// <summary>One poll of one peer's status endpoint: its status and model, or why they could not be read.</summary>
internal sealed record PeerReading(Uri Endpoint, NodeStatus? Status, (long Round, float[] Parameters)? Model, string? Error, DateTimeOffset ReadAt);
