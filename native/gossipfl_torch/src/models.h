// The models the shim can build, and gf_model: one trainable model behind the C handle, either a built-in
// module or a loaded TorchScript module, with the optimizer it owns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

namespace gf {

// A built-in model: maps a batch [batch, *input_shape] to logits [batch, classes].
struct Classifier : torch::nn::Module {
    virtual torch::Tensor forward(torch::Tensor batch) = 0;
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

    torch::Tensor forward(const torch::Tensor& batch);
    void set_training(bool training);
};

