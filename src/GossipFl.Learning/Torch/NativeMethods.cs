using System.Runtime.InteropServices;

namespace GossipFl.Learning.Torch;

/// <summary>
/// The native shim's exports (native/gossipfl_torch/include/gossipfl_torch.h), one declaration per function.
/// Buffers are passed as raw pointers from <c>fixed</c> blocks in <see cref="TorchModel"/>, so nothing is copied.
/// </summary>
internal static unsafe partial class NativeMethods
{
    public const string Library = "gossipfl_torch";

    public const int ModelLogReg = 0;
    public const int ModelMlp = 1;
    public const int ModelLeNet5 = 2;

    [LibraryImport(Library)]
    public static partial nint gf_last_error();

    [LibraryImport(Library)]
    public static partial nint gf_torch_version();

    [LibraryImport(Library)]
    public static partial int gf_set_num_threads(int threads);

    [LibraryImport(Library)]
    public static partial int gf_get_num_threads();

    [LibraryImport(Library)]
    public static partial int gf_manual_seed(ulong seed);

    [LibraryImport(Library)]
    public static partial int gf_model_create(
        int kind, long* inputShape, int inputRank, long* hidden, int hiddenCount, long classCount, out ModelHandle model);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int gf_model_load_torchscript(
        string path, long* inputShape, int inputRank, long classCount, out ModelHandle model);

    [LibraryImport(Library)]
    public static partial void gf_model_free(nint model);

    [LibraryImport(Library)]
    public static partial int gf_model_use_sgd(ModelHandle model, double learningRate, double momentum, double weightDecay, int nesterov);

    [LibraryImport(Library)]
    public static partial int gf_model_use_adam(ModelHandle model, double learningRate, double beta1, double beta2, double eps, double weightDecay);

    [LibraryImport(Library)]
    public static partial int gf_model_set_learning_rate(ModelHandle model, double learningRate);

    [LibraryImport(Library)]
    public static partial int gf_model_use_dp_sgd(ModelHandle model, double clipNorm, double noiseMultiplier, ulong noiseSeed);

    [LibraryImport(Library)]
    public static partial int gf_model_disable_dp_sgd(ModelHandle model);

    [LibraryImport(Library)]
    public static partial int gf_model_train(
        ModelHandle model, float* features, long* labels, long sampleCount, long* order, long orderCount, long batchSize, out double meanLoss);

    [LibraryImport(Library)]
    public static partial int gf_model_evaluate(
        ModelHandle model, float* features, long* labels, long sampleCount, long batchSize, out double meanLoss, out double accuracy);

    [LibraryImport(Library)]
    public static partial int gf_model_evaluate_add(
        ModelHandle model, float* features, long* labels, long sampleCount, long batchSize, ref double lossSum, ref long correct);

    [LibraryImport(Library)]
    public static partial int gf_model_predict(ModelHandle model, float* features, long sampleCount, long batchSize, long* classes);

    [LibraryImport(Library)]
    public static partial int gf_model_probabilities(ModelHandle model, float* features, long sampleCount, long batchSize, float* probabilities);

    [LibraryImport(Library)]
    public static partial int gf_model_parameter_layout(ModelHandle model, byte* buffer, long capacity, out long needed);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int gf_model_save_torchscript(ModelHandle model, string path);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int gf_model_save_optimizer_state(ModelHandle model, string path);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int gf_model_load_optimizer_state(ModelHandle model, string path);

    [LibraryImport(Library)]
    public static partial int gf_model_parameter_count(ModelHandle model, out long count);

    [LibraryImport(Library)]
    public static partial int gf_model_get_parameters(ModelHandle model, float* destination, long count);

    [LibraryImport(Library)]
    public static partial int gf_model_set_parameters(ModelHandle model, float* source, long count);
}
