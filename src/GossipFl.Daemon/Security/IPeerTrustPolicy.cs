namespace GossipFl.Daemon.Security;

/// <summary>
/// Who may talk to this node. The transport asks it after authenticating a peer (its node name, and in identity
/// mode the fingerprint of the key that signed the handshake). The fingerprint is null in pre-shared-key mode, where
/// there are no keys to pin, and in the cheap pre-check a responder makes on a bare initiation before doing any
/// cryptography ("could this name ever be trusted?"); identity mode always asks again with the fingerprint.
/// </summary>
public interface IPeerTrustPolicy
{
    /// <summary>
    /// May this peer deliver messages to us? If not, it gets no session when it initiates one, and any message
    /// fragment it sends over a session we initiated (to send to it) is dropped and counted.
    /// </summary>
    bool MayDeliver(string nodeName, string? fingerprint);

    /// <summary>
    /// Is this a key we accept for <paramref name="nodeName"/> at all? False when the name is pinned to another
    /// fingerprint: then no session is made in either direction.
    /// </summary>
    bool IsAcceptableIdentity(string nodeName, string? fingerprint);
}
