namespace GossipFl.Daemon.Transport;

internal enum EngineCommandKind
{
    Send,
    Cancel,
}
