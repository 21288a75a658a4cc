namespace GossipFl.Learning.Learners;

/// <summary>Saved learner state that cannot be restored (damaged, another format, or another learner's); the message says why.</summary>
public sealed class LearnerStateException : Exception
{
    public LearnerStateException(string message)
        : base(message)
    {
    }

    public LearnerStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
