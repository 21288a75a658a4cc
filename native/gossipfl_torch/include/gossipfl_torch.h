/*
 * gossipfl_torch: a small C surface over libtorch for GossipFl.
 *
 * Conventions
 * - Every function that can fail returns a gf_status; GF_OK is 0. On failure the message is kept in a
 *   thread-local buffer that gf_last_error() returns until the next failing call on the same thread.
 *   No C++ exception ever crosses this boundary.
 * - Calls are coarse: a whole sequence of batches per call, never an operation per call.
 * - Samples are float32, row-major, one row per sample; the model reshapes a row to its input shape
 *   (e.g. 784 values to 1x28x28). Labels are int64 class ids.
 * - Parameters cross as one flat float32 vector in the model's parameters() order.
 * - A model handle is not thread-safe: use it from one thread at a time.
 */
#ifndef GOSSIPFL_TORCH_H
#define GOSSIPFL_TORCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(GF_BUILDING_SHIM)
#define GF_API __attribute__((visibility("default")))
#else
#define GF_API
#endif

typedef int32_t gf_status;
enum {
    GF_OK = 0,
    GF_ERR_ARGUMENT = 1, /* a caller error: null pointer, bad size, bad shape */
    GF_ERR_TORCH = 2,    /* libtorch raised an error (c10::Error) */
    GF_ERR_IO = 3,       /* a file could not be read */
    GF_ERR_INTERNAL = 4  /* any other exception */
};

enum {
    GF_MODEL_LOGREG = 0, /* softmax regression: one Linear layer */
    GF_MODEL_MLP = 1,    /* Linear + ReLU per hidden size, then Linear */
    GF_MODEL_LENET5 = 2  /* LeNet-5: two conv/pool stages, three Linear layers */
};

typedef struct gf_model gf_model;

GF_API const char* gf_last_error(void);
GF_API const char* gf_torch_version(void);

GF_API gf_status gf_set_num_threads(int32_t threads);
GF_API int32_t gf_get_num_threads(void);
GF_API gf_status gf_manual_seed(uint64_t seed);

/* Builds a model whose parameters are initialised from libtorch's global generator (see gf_manual_seed).
 * input_shape is the shape of one sample, without the batch dimension. hidden is used by GF_MODEL_MLP. */
GF_API gf_status gf_model_create(int32_t kind, const int64_t* input_shape, int32_t input_rank,
                                 const int64_t* hidden, int32_t hidden_count, int64_t class_count,
                                 gf_model** out);

/* Loads a TorchScript module (torch.jit.script / torch.jit.trace, then .save). Its forward takes a
 * float32 batch shaped [batch, *input_shape] and returns logits [batch, class_count]. */
GF_API gf_status gf_model_load_torchscript(const char* path, const int64_t* input_shape, int32_t input_rank,
                                           int64_t class_count, gf_model** out);

GF_API void gf_model_free(gf_model* model);

/* The model owns one optimizer; setting one replaces the previous one and its state.
 * A new model starts with plain SGD at learning rate 0.01. */
GF_API gf_status gf_model_use_sgd(gf_model* model, double learning_rate, double momentum, double weight_decay,
                                  int32_t nesterov);
GF_API gf_status gf_model_use_adam(gf_model* model, double learning_rate, double beta1, double beta2, double eps,
                                   double weight_decay);
GF_API gf_status gf_model_set_learning_rate(gf_model* model, double learning_rate);

/* Sample-level DP-SGD (Abadi et al. 2016) in gf_model_train: each sample's gradient, over all parameters
 * jointly, is clipped to L2 norm clip_norm; the batch's sum of clipped gradients gets Gaussian noise of standard
 * deviation noise_multiplier * clip_norm per coordinate and is divided by the batch's size; the optimizer then steps
 * on that as it would on the plain mean gradient. The noise comes from a generator of the model's own seeded with
 * noise_seed (libtorch's global generator is never drawn from), one draw per parameter value per step in
 * parameters() order; it is not part of the optimizer state. clip_norm must be finite and positive,
 * noise_multiplier finite and not negative. Built-in models form per-sample gradients from one forward and one
 * backward pass per batch; TorchScript models take one pass per sample. Calling again replaces the settings and
 * reseeds; gf_model_disable_dp_sgd returns to plain gradients. */
GF_API gf_status gf_model_use_dp_sgd(gf_model* model, double clip_norm, double noise_multiplier, uint64_t noise_seed);
GF_API gf_status gf_model_disable_dp_sgd(gf_model* model);

/* One optimizer step per batch over the samples order[0..order_count) (all sample_count samples in order
 * when order is NULL), batch_size at a time, the last batch possibly smaller. Writes the mean cross-entropy
 * loss over the samples seen, each batch's loss taken before its step. */
GF_API gf_status gf_model_train(gf_model* model, const float* features, const int64_t* labels, int64_t sample_count,
                                const int64_t* order, int64_t order_count, int64_t batch_size, double* mean_loss);

GF_API gf_status gf_model_evaluate(gf_model* model, const float* features, const int64_t* labels,
                                   int64_t sample_count, int64_t batch_size, double* mean_loss, double* accuracy);

/* Adds the summed cross-entropy over the samples to *loss_sum and the number predicted right to *correct, batch by
 * batch in one running sum: evaluating a data set in consecutive chunks of whole batches this way gives the same
 * bits as gf_model_evaluate over all of it (mean loss = *loss_sum / samples), without its floats all in memory. */
GF_API gf_status gf_model_evaluate_add(gf_model* model, const float* features, const int64_t* labels,
                                       int64_t sample_count, int64_t batch_size, double* loss_sum, int64_t* correct);

/* Writes the most likely class of each sample. */
GF_API gf_status gf_model_predict(gf_model* model, const float* features, int64_t sample_count, int64_t batch_size,
                                  int64_t* classes);

/* Saves or restores the optimizer's state (momentum buffers, Adam moments, step counts) with libtorch's own
 * serialization, so a restarted node continues exactly where it stopped. Loading needs the same kind of
 * optimizer over the same parameters. */
GF_API gf_status gf_model_save_optimizer_state(gf_model* model, const char* path);
GF_API gf_status gf_model_load_optimizer_state(gf_model* model, const char* path);

/* Writes the softmax probability of every class for each sample, row-major
 * [sample_count, class_count]. */
GF_API gf_status gf_model_probabilities(gf_model* model, const float* features, int64_t sample_count, int64_t batch_size,
                                        float* probabilities);

/* Describes the parameters in the order of gf_model_get_parameters, as text: one line per parameter,
 * "name<TAB>d0,d1,...\n", names as the module's state_dict keys (e.g. "fc0.weight"). *needed receives the bytes
 * the text takes with its terminating NUL; nothing is written when capacity is smaller, so a call with capacity 0
 * sizes the buffer. */
GF_API gf_status gf_model_parameter_layout(gf_model* model, char* buffer, int64_t capacity, int64_t* needed);

/* TorchScript models only: saves the module with its current parameter values (torch.jit.load reads it). */
GF_API gf_status gf_model_save_torchscript(gf_model* model, const char* path);

GF_API gf_status gf_model_parameter_count(gf_model* model, int64_t* count);
GF_API gf_status gf_model_get_parameters(gf_model* model, float* destination, int64_t count);
GF_API gf_status gf_model_set_parameters(gf_model* model, const float* source, int64_t count);

#ifdef __cplusplus
}
#endif

#endif
