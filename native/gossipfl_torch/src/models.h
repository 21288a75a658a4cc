// The models the shim can build, and gf_model: one trainable model behind the C handle, either a built-in
// module or a loaded TorchScript module, with the optimizer it owns.
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

namespace gf {

// What a DP-aware forward pass records of each parameterised layer, so that per-sample gradients can be formed
// from the layer's input and the gradient at its output without one backward pass per sample (dp_sgd.cpp).
struct TapedLayer {
    torch::Tensor weight, bias;  // the layer's parameters (bias may be undefined)
    torch::Tensor input;         // [batch, in] for Linear, [batch, channels, h, w] for Conv2d
    torch::Tensor output;        // the pre-activation output, part of the autograd graph
    bool conv = false;
    int64_t padding = 0;         // Conv2d only; stride, dilation and groups are 1 in the built-in models
};

struct Tape {
    std::vector<TapedLayer> layers;
};

// A built-in model: maps a batch [batch, *input_shape] to logits [batch, classes]. run() records every
// parameterised layer on the tape when one is given; every parameter must belong to a taped layer.
struct Classifier : torch::nn::Module {
    virtual torch::Tensor run(torch::Tensor batch, Tape* tape) = 0;
    torch::Tensor forward(torch::Tensor batch) { return run(std::move(batch), nullptr); }
};

std::shared_ptr<Classifier> make_logreg(int64_t features, int64_t classes);
std::shared_ptr<Classifier> make_mlp(int64_t features, const std::vector<int64_t>& hidden, int64_t classes);
std::shared_ptr<Classifier> make_lenet5(const std::vector<int64_t>& input_shape, int64_t classes);

}  // namespace gf

struct gf_model {
    // Exactly one of these is set.
    std::shared_ptr<gf::Classifier> module;
    std::unique_ptr<torch::jit::Module> script;

    std::vector<int64_t> input_shape;  // one sample, without the batch dimension
    int64_t feature_count = 0;         // product of input_shape
    int64_t class_count = 0;
    std::vector<torch::Tensor> parameters;  // parameters() order; what crosses the boundary
    std::unique_ptr<torch::optim::Optimizer> optimizer;

    // Sample-level DP-SGD (gf_model_use_dp_sgd); off while clip_norm is 0.
    struct DpSgd {
        double clip_norm = 0;
        double noise_multiplier = 0;
        at::Generator noise;  // seeded by the caller, never libtorch's global generator
        int64_t noise_count = 0;  // parameter values: one draw each per step, in parameters() order
        // The next step's draw, made on a helper thread while this step's gradients are computed (dp_sgd.cpp).
        // Declared last so that it is destroyed first: its destructor waits for the draw to finish.
        std::future<torch::Tensor> next_noise;
    } dp;

    torch::Tensor forward(const torch::Tensor& batch);
    void set_training(bool training);
};

