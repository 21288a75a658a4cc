using System.Net;

namespace GossipFl.Daemon.Transport;

/// <summary>Work handed from caller threads to the engine thread (which alone touches transport state).</summary>
internal readonly record struct EngineCommand(EngineCommandKind Kind, OutgoingMessage Message, IPEndPoint? EndPoint);
