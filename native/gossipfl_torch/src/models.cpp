#include "models.h"

#include "errors.h"

namespace gf {
namespace {

torch::Tensor linear(torch::nn::Linear& layer, const torch::Tensor& x, Tape* tape) {
    auto y = layer->forward(x);
    if (tape) tape->layers.push_back({layer->weight, layer->bias, x, y, false, 0});
    return y;
}

torch::Tensor conv(torch::nn::Conv2d& layer, int64_t padding, const torch::Tensor& x, Tape* tape) {
    auto y = layer->forward(x);
    if (tape) tape->layers.push_back({layer->weight, layer->bias, x, y, true, padding});
    return y;
}

// Softmax regression: logits = W x + b on the flattened sample.
struct LogReg : Classifier {
    LogReg(int64_t features, int64_t classes) : layer(register_module("linear", torch::nn::Linear(features, classes))) {}

    torch::Tensor run(torch::Tensor batch, Tape* tape) override { return gf::linear(layer, batch.flatten(1), tape); }

    torch::nn::Linear layer;
};

// Fully connected layers with ReLU between them. Layers are registered in order, so parameters() lists
// weight then bias of each layer from input to output, as torch.nn.Sequential of Linear layers does.
struct Mlp : Classifier {
    Mlp(int64_t features, const std::vector<int64_t>& hidden, int64_t classes) {
        int64_t width = features;
        for (size_t i = 0; i < hidden.size(); ++i) {
            layers.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(width, hidden[i])));
            width = hidden[i];
        }
        layers.push_back(register_module("fc" + std::to_string(hidden.size()), torch::nn::Linear(width, classes)));
    }

    torch::Tensor run(torch::Tensor batch, Tape* tape) override {
        auto x = batch.flatten(1);
        for (size_t i = 0; i + 1 < layers.size(); ++i) x = torch::relu(linear(layers[i], x, tape));
        return linear(layers.back(), x, tape);
    }

    std::vector<torch::nn::Linear> layers;
};

// LeNet-5 (LeCun et al. 1998) in its common modern form: ReLU and max pooling instead of the original
// scaled tanh and subsampling; conv1 is padded by 2 so a 28x28 image behaves like the original 32x32 input.
struct LeNet5 : Classifier {
    LeNet5(int64_t channels, int64_t flat, int64_t classes)
        : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 6, 5).padding(Conv1Padding)))),
          conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)))),
          fc1(register_module("fc1", torch::nn::Linear(flat, 120))),
          fc2(register_module("fc2", torch::nn::Linear(120, 84))),
          fc3(register_module("fc3", torch::nn::Linear(84, classes))) {}

    torch::Tensor run(torch::Tensor batch, Tape* tape) override {
        auto x = torch::max_pool2d(torch::relu(conv(conv1, Conv1Padding, batch, tape)), 2);
        x = torch::max_pool2d(torch::relu(conv(conv2, 0, x, tape)), 2);
        x = torch::relu(linear(fc1, x.flatten(1), tape));
        x = torch::relu(linear(fc2, x, tape));
        return linear(fc3, x, tape);
    }

    static constexpr int64_t Conv1Padding = 2;

    torch::nn::Conv2d conv1, conv2;
    torch::nn::Linear fc1, fc2, fc3;
};

}  // namespace

std::shared_ptr<Classifier> make_logreg(int64_t features, int64_t classes) {
    return std::make_shared<LogReg>(features, classes);
}

std::shared_ptr<Classifier> make_mlp(int64_t features, const std::vector<int64_t>& hidden, int64_t classes) {
    for (auto width : hidden) require(width > 0, "every MLP hidden size must be positive, got " + std::to_string(width));
    return std::make_shared<Mlp>(features, hidden, classes);
}

std::shared_ptr<Classifier> make_lenet5(const std::vector<int64_t>& input_shape, int64_t classes) {
    require(input_shape.size() == 3,
            "LeNet-5 needs image samples shaped [channels, height, width], got rank " + std::to_string(input_shape.size()));
    // conv1 keeps the size (5x5, padding 2), pool halves, conv2 (5x5) takes 4, pool halves.
    auto side = [](int64_t n) { return (n / 2 - 4) / 2; };
    const int64_t height = side(input_shape[1]), width = side(input_shape[2]);
    require(height >= 1 && width >= 1,
            "LeNet-5 needs images of at least 12x12, got " + std::to_string(input_shape[1]) + "x" +
                std::to_string(input_shape[2]));
    return std::make_shared<LeNet5>(input_shape[0], 16 * height * width, classes);
}

}  // namespace gf

torch::Tensor gf_model::forward(const torch::Tensor& batch) {
    if (module) return module->forward(batch);
    auto output = script->forward({batch});
    gf::require(output.isTensor(), "the TorchScript module's forward must return one tensor of logits");
    return output.toTensor();
}

void gf_model::set_training(bool training) {
    if (module) {
        module->train(training);
    } else {
        script->train(training);
    }
}
