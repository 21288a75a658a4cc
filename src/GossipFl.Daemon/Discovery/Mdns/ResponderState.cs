namespace GossipFl.Daemon.Discovery.Mdns;

/// <summary>Phases of RFC 6762 §8: probe for unique names, announce them, then answer queries.</summary>
internal enum ResponderState
{
    Probing = 1,
    Announcing = 2,
    Announced = 3,
    Stopped = 4,
}
