namespace GossipFl.Daemon.Security;

/// <summary>The identity key file exists but cannot be used (unsafe permissions, unreadable, not a P-256 key).</summary>
public sealed class IdentityFileException : Exception
{
    public IdentityFileException()
    {
    }

    public IdentityFileException(string message)
        : base(message)
    {
    }

    public IdentityFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
