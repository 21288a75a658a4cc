#include "dp_sgd.h"

#include <cmath>

#include "errors.h"

namespace gf {
namespace {

namespace F = torch::nn::functional;

void check_logits(const gf_model& model, const torch::Tensor& logits, int64_t rows) {
    require(logits.dim() == 2 && logits.size(0) == rows && logits.size(1) == model.class_count,
            "the model returned output of shape " + c10::str(logits.sizes()) + ", expected [" + std::to_string(rows) +
                ", " + std::to_string(model.class_count) + "]");
}

// Index of `tensor` in the model's parameters() list (the same TensorImpl), or -1.
int64_t parameter_index(const gf_model& model, const torch::Tensor& tensor) {
    for (size_t k = 0; k < model.parameters.size(); ++k) {
        if (model.parameters[k].unsafeGetTensorImpl() == tensor.unsafeGetTensorImpl()) return static_cast<int64_t>(k);
    }
    return -1;
}

// The built-in models: one forward pass that records each layer's input and pre-activation output, one backward
// pass for the gradient of the summed loss at those outputs (row i of it is sample i's own, since a sample's loss
// depends on no other sample), and per-sample gradients formed from the two without a backward pass per sample.
// - Linear, y = a W^T + b: sample i's weight gradient is the outer product d_i a_i^T, so its squared norm is
//   |d_i|^2 |a_i|^2 and the bias adds |d_i|^2, without forming it (Goodfellow 2015, "Efficient Per-Example
//   Gradient Computations", arXiv 1510.01799). The clipped sum is (diag(c) D)^T A, one matrix product.
// - Conv2d (stride 1, as in LeNet-5): with the input unfolded into patches U_i [C_in k k, L] (im2col), sample i's
//   weight gradient is D_i U_i^T [C_out, C_in k k], as for a Linear layer applied at L positions. These are small
//   for LeNet-5 (150 and 2,400 values per sample), so they are formed with one batched product, and their clipped
//   sum is c^T G. The bias gradient is D_i summed over positions.
double clipped_sum_from_tape(gf_model& model, const torch::Tensor& batch, const torch::Tensor& targets,
                             std::vector<torch::Tensor>& sums) {
    Tape tape;
    auto logits = model.module->run(batch, &tape);
    const int64_t rows = batch.size(0);
    check_logits(model, logits, rows);
    auto losses = F::cross_entropy(logits, targets, F::CrossEntropyFuncOptions().reduction(torch::kNone));
    std::vector<torch::Tensor> outputs;
    for (const auto& layer : tape.layers) outputs.push_back(layer.output);
    const auto deltas = torch::autograd::grad({losses.sum()}, outputs);

    torch::NoGradGuard no_grad;
    // Per layer: what the clipped sum needs (the inputs for Linear, the per-sample gradients for Conv2d).
    std::vector<torch::Tensor> kept(tape.layers.size()), bias_kept(tape.layers.size());
    auto squared = torch::zeros({rows}, torch::kFloat32);
    for (size_t l = 0; l < tape.layers.size(); ++l) {
        const auto& layer = tape.layers[l];
        const auto& d = deltas[l];
        if (!layer.conv) {
            require(d.dim() == 2 && layer.input.dim() == 2, "DP-SGD: a Linear layer's input must be [batch, features]");
            auto input_squared = layer.input.pow(2).sum(1);
            if (layer.bias.defined()) input_squared.add_(1);
            squared.add_(d.pow(2).sum(1).mul_(input_squared));
            kept[l] = layer.input;
        } else {
            const int64_t kh = layer.weight.size(2), kw = layer.weight.size(3);
            auto patches = F::unfold(layer.input, F::UnfoldFuncOptions({kh, kw}).padding(layer.padding));
            auto d_flat = d.flatten(2);                                   // [B, C_out, L]
            auto per_sample = torch::bmm(d_flat, patches.transpose(1, 2));  // [B, C_out, C_in k k]
            squared.add_(per_sample.pow(2).sum({1, 2}));
            kept[l] = per_sample.view({rows, -1});
            if (layer.bias.defined()) {
                bias_kept[l] = d_flat.sum(2);  // [B, C_out]
                squared.add_(bias_kept[l].pow(2).sum(1));
            }
        }
    }

    // c_i = min(1, C / |g_i|); a zero gradient gives C / 0 = inf and so c_i = 1.
    const auto scale = squared.sqrt_().reciprocal_().mul_(model.dp.clip_norm).clamp_max_(1.0);
    const auto scale_row = scale.view({1, rows});
    size_t assigned = 0;
    auto assign = [&](const torch::Tensor& parameter, torch::Tensor gradient) {
        const auto k = parameter_index(model, parameter);
        require(k >= 0 && !sums[k].defined(), "DP-SGD: the model's layers do not map one-to-one onto its parameters");
        sums[k] = gradient.view_as(parameter);
        ++assigned;
    };
    for (size_t l = 0; l < tape.layers.size(); ++l) {
        const auto& layer = tape.layers[l];
        if (!layer.conv) {
            auto scaled = deltas[l] * scale.unsqueeze(1);
            assign(layer.weight, scaled.t().mm(kept[l]));
            if (layer.bias.defined()) assign(layer.bias, scaled.sum(0));
        } else {
            assign(layer.weight, scale_row.mm(kept[l]));
            if (layer.bias.defined()) assign(layer.bias, scale_row.mm(bias_kept[l]));
        }
    }
    require(assigned == model.parameters.size(), "DP-SGD: the model has parameters outside its recorded layers");
    return losses.sum().item<double>();
}

// Any model (TorchScript modules): one forward and backward pass per sample. Correct for every module whose output
// for a sample does not depend on the other samples of the batch (so not for batch normalisation in training mode),
// and about batch-size times slower than plain SGD.
double clipped_sum_per_sample(gf_model& model, const torch::Tensor& batch, const torch::Tensor& targets,
                              std::vector<torch::Tensor>& sums) {
    const int64_t rows = batch.size(0);
    for (size_t k = 0; k < sums.size(); ++k) sums[k] = torch::zeros_like(model.parameters[k]);
    double loss_sum = 0;
    for (int64_t i = 0; i < rows; ++i) {
        auto logits = model.forward(batch.narrow(0, i, 1));
        check_logits(model, logits, 1);
        auto loss = F::cross_entropy(logits, targets.narrow(0, i, 1));
        const auto grads = torch::autograd::grad({loss}, model.parameters, {}, false, false, /*allow_unused=*/true);
        torch::NoGradGuard no_grad;
        double squared = 0;
        for (const auto& g : grads) {
            if (g.defined()) squared += g.pow(2).sum().item<double>();
        }
        const double scale = squared > 0 ? std::min(1.0, model.dp.clip_norm / std::sqrt(squared)) : 1.0;
        for (size_t k = 0; k < grads.size(); ++k) {
            if (grads[k].defined()) sums[k].add_(grads[k], scale);
        }
        loss_sum += loss.item<double>();
    }
    return loss_sum;
}

// One step's noise: N(0, (sigma C)^2) for every parameter value. Drawing it is about as long as a whole plain step
// of the MLP on one thread (libtorch's CPU generator is mt19937, ~4.5 ns a value), and it depends on nothing but the
// generator, so each step's draw is made on a helper thread while the previous step computes its gradients. The
// draws stay in order (step k takes the k-th), so the noise is the same as when drawn in line.
std::future<torch::Tensor> draw_noise(const gf_model& model) {
    auto generator = model.dp.noise;
    const double deviation = model.dp.noise_multiplier * model.dp.clip_norm;
    const int64_t count = model.dp.noise_count;
    return std::async(std::launch::async, [generator, deviation, count]() mutable {
        auto noise = torch::empty({count}, torch::kFloat32);
        noise.normal_(0.0, deviation, generator);
        return noise;
    });
}

}  // namespace

double dp_sgd_gradients(gf_model& model, const torch::Tensor& batch, const torch::Tensor& targets) {
    const bool noisy = model.dp.noise_multiplier > 0;
    torch::Tensor noise;
    if (noisy) {
        if (!model.dp.next_noise.valid()) model.dp.next_noise = draw_noise(model);
        noise = model.dp.next_noise.get();
        model.dp.next_noise = draw_noise(model);
    }
    std::vector<torch::Tensor> sums(model.parameters.size());
    const double loss_sum = model.module ? clipped_sum_from_tape(model, batch, targets, sums)
                                         : clipped_sum_per_sample(model, batch, targets, sums);
    torch::NoGradGuard no_grad;
    const double rows = static_cast<double>(batch.size(0));
    int64_t offset = 0;
    for (size_t k = 0; k < sums.size(); ++k) {
        auto& parameter = model.parameters[k];
        auto gradient = sums[k];
        if (noisy) gradient = gradient + noise.narrow(0, offset, parameter.numel()).view_as(parameter);
        offset += parameter.numel();
        parameter.mutable_grad() = gradient.div(rows);
    }
    return loss_sum;
}

}  // namespace gf
