namespace GossipFl.Daemon.Transport;

/// <summary>A send that did not complete; <see cref="Failure"/> says why.</summary>
public sealed class TransportException : Exception
{
    public TransportException()
    {
    }

    public TransportException(string message)
        : base(message)
    {
    }

    public TransportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TransportException(TransportFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    public TransportFailure Failure { get; }
}
