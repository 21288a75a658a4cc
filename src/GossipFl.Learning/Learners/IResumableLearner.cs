namespace GossipFl.Learning.Learners;

/// <summary>
/// A learner whose next rounds depend on more than the parameters it is handed: where it stands in its data
/// order, and its optimizer's state (momentum, Adam moments). A checkpoint keeps these bytes beside the
/// parameters, so a node restarted from it trains on the same batches with the same optimizer state as a node
/// that never stopped. The bytes are the learner's own versioned format; the checkpoint treats them as opaque.
/// </summary>
public interface IResumableLearner
{
    /// <summary>Everything <see cref="RestoreState"/> needs to continue training from this point.</summary>
    byte[] SaveState();

    /// <summary>
    /// Continues from bytes written by <see cref="SaveState"/> of a learner built the same way (same data, model
    /// and optimizer). Throws <see cref="LearnerStateException"/> saying what does not fit; the learner is then
    /// as it was before the call.
    /// </summary>
    void RestoreState(ReadOnlySpan<byte> state);
}
