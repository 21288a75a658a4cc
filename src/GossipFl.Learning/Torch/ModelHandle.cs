using Microsoft.Win32.SafeHandles;

namespace GossipFl.Learning.Torch;

/// <summary>Owns one native <c>gf_model</c>; freeing it releases the module, its parameters and its optimizer.</summary>
internal sealed class ModelHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ModelHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.gf_model_free(handle);
        return true;
    }
}
