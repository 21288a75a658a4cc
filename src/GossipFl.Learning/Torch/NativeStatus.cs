using System.Runtime.InteropServices;

namespace GossipFl.Learning.Torch;

/// <summary>Turns the shim's status codes into exceptions that carry the native message.</summary>
internal static class NativeStatus
{
    public const int Ok = 0;
    public const int ArgumentError = 1;
    public const int TorchError = 2;
    public const int IoError = 3;

    public static void Check(int status, string operation)
    {
        if (status != Ok)
        {
            Throw(status, operation);
        }
    }

    private static void Throw(int status, string operation)
    {
        var message = Marshal.PtrToStringUTF8(NativeMethods.gf_last_error()) ?? "(no message)";
        throw new TorchException(operation, status, message);
    }
}
