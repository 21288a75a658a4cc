// The exported model functions: creation, optimizer, training, evaluation, parameters.
#include <cmath>
#include <cstring>
#include <fstream>

#include <ATen/CPUGeneratorImpl.h>

#include "dp_sgd.h"
#include "errors.h"
#include "models.h"

namespace {

std::vector<int64_t> read_shape(const int64_t* shape, int32_t rank) {
    gf::require(shape != nullptr && rank >= 1, "the input shape needs at least one dimension");
    std::vector<int64_t> result(shape, shape + rank);
    for (auto d : result) gf::require(d > 0, "every input dimension must be positive, got " + std::to_string(d));
    return result;
}

int64_t product(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

gf_model& deref(gf_model* model) {
    gf::require(model != nullptr, "the model handle is null");
    return *model;
}

void finish(gf_model& model, int64_t class_count) {
    gf::require(class_count >= 2, "a classifier needs at least 2 classes, got " + std::to_string(class_count));
    model.class_count = class_count;
    model.feature_count = product(model.input_shape);
    for (const auto& p : model.parameters) {
        gf::require(p.scalar_type() == torch::kFloat32,
                    "every parameter must be float32; this model has one of type " +
                        std::string(c10::toString(p.scalar_type())));
    }
    model.optimizer = std::make_unique<torch::optim::SGD>(model.parameters, torch::optim::SGDOptions(0.01));
}

void check_samples(const gf_model& model, const float* features, int64_t sample_count, int64_t batch_size) {
    gf::require(sample_count >= 0, "the sample count must not be negative");
    gf::require(sample_count == 0 || features != nullptr, "features are null");
    gf::require(batch_size >= 1, "the batch size must be at least 1, got " + std::to_string(batch_size));
    (void)model;
}

// A [count, features] view of caller memory, valid for the duration of the call.
torch::Tensor feature_view(const gf_model& model, const float* features, int64_t count) {
    return torch::from_blob(const_cast<float*>(features), {count, model.feature_count}, torch::kFloat32);
}

torch::Tensor as_batch(const gf_model& model, const torch::Tensor& rows) {
    std::vector<int64_t> shape{rows.size(0)};
    shape.insert(shape.end(), model.input_shape.begin(), model.input_shape.end());
    return rows.view(shape);
}

torch::Tensor logits_of(gf_model& model, const torch::Tensor& rows) {
    auto logits = model.forward(as_batch(model, rows));
    gf::require(logits.dim() == 2 && logits.size(0) == rows.size(0) && logits.size(1) == model.class_count,
                "the model returned output of shape " + c10::str(logits.sizes()) + ", expected [" +
                    std::to_string(rows.size(0)) + ", " + std::to_string(model.class_count) + "]");
    return logits;
}

void check_labels(const gf_model& model, const torch::Tensor& labels) {
    if (labels.numel() == 0) return;
    const auto lowest = labels.min().item<int64_t>();
    const auto highest = labels.max().item<int64_t>();
    gf::require(lowest >= 0 && highest < model.class_count,
                "labels must be class ids in [0, " + std::to_string(model.class_count) + "), found " +
                    std::to_string(lowest < 0 ? lowest : highest));
}

}  // namespace

extern "C" gf_status gf_model_create(int32_t kind, const int64_t* input_shape, int32_t input_rank,
                                     const int64_t* hidden, int32_t hidden_count, int64_t class_count,
                                     gf_model** out) {
    return gf::guard([&] {
        gf::require(out != nullptr, "the output handle pointer is null");
        *out = nullptr;
        auto model = std::make_unique<gf_model>();
        model->input_shape = read_shape(input_shape, input_rank);
        const auto features = product(model->input_shape);
        gf::require(class_count >= 2, "a classifier needs at least 2 classes, got " + std::to_string(class_count));
        switch (kind) {
            case GF_MODEL_LOGREG:
                model->module = gf::make_logreg(features, class_count);
                break;
            case GF_MODEL_MLP:
                gf::require(hidden_count >= 0 && (hidden_count == 0 || hidden != nullptr), "bad MLP hidden sizes");
                model->module = gf::make_mlp(features, std::vector<int64_t>(hidden, hidden + hidden_count), class_count);
                break;
            case GF_MODEL_LENET5:
                model->module = gf::make_lenet5(model->input_shape, class_count);
                break;
            default:
                throw gf::argument_error("unknown model kind " + std::to_string(kind));
        }
        model->parameters = model->module->parameters();
        finish(*model, class_count);
        *out = model.release();
    });
}

extern "C" gf_status gf_model_load_torchscript(const char* path, const int64_t* input_shape, int32_t input_rank,
                                               int64_t class_count, gf_model** out) {
    return gf::guard([&] {
        gf::require(out != nullptr, "the output handle pointer is null");
        *out = nullptr;
        gf::require(path != nullptr && *path != '\0', "the TorchScript path is empty");
        // torch::jit::load's own message for a missing file is obscure; say plainly what is wrong.
        if (!std::ifstream(path).good()) throw gf::io_error(std::string("cannot open TorchScript file '") + path + "'");
        auto model = std::make_unique<gf_model>();
        model->input_shape = read_shape(input_shape, input_rank);
        model->script = std::make_unique<torch::jit::Module>(torch::jit::load(path));
        for (const auto& p : model->script->parameters()) model->parameters.push_back(p);
        gf::require(!model->parameters.empty(), std::string("the TorchScript module '") + path + "' has no parameters");
        finish(*model, class_count);
        *out = model.release();
    });
}

extern "C" void gf_model_free(gf_model* model) { delete model; }

extern "C" gf_status gf_model_use_sgd(gf_model* model, double learning_rate, double momentum, double weight_decay,
                                      int32_t nesterov) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(learning_rate >= 0, "the learning rate must not be negative");
        gf::require(momentum >= 0 && weight_decay >= 0, "momentum and weight decay must not be negative");
        gf::require(!nesterov || momentum > 0, "Nesterov momentum needs a positive momentum");
        m.optimizer = std::make_unique<torch::optim::SGD>(
            m.parameters,
            torch::optim::SGDOptions(learning_rate).momentum(momentum).weight_decay(weight_decay).nesterov(nesterov != 0));
    });
}

extern "C" gf_status gf_model_use_adam(gf_model* model, double learning_rate, double beta1, double beta2, double eps,
                                       double weight_decay) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(learning_rate >= 0, "the learning rate must not be negative");
        gf::require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must lie in [0, 1)");
        gf::require(eps > 0 && weight_decay >= 0, "Adam eps must be positive and weight decay not negative");
        m.optimizer = std::make_unique<torch::optim::Adam>(
            m.parameters,
            torch::optim::AdamOptions(learning_rate).betas({beta1, beta2}).eps(eps).weight_decay(weight_decay));
    });
}

extern "C" gf_status gf_model_set_learning_rate(gf_model* model, double learning_rate) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(learning_rate >= 0, "the learning rate must not be negative");
        for (auto& group : m.optimizer->param_groups()) group.options().set_lr(learning_rate);
    });
}

extern "C" gf_status gf_model_use_dp_sgd(gf_model* model, double clip_norm, double noise_multiplier,
                                         uint64_t noise_seed) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(std::isfinite(clip_norm) && clip_norm > 0,
                    "the DP-SGD clipping norm must be a positive finite number, got " + std::to_string(clip_norm));
        gf::require(std::isfinite(noise_multiplier) && noise_multiplier >= 0,
                    "the DP-SGD noise multiplier must be a finite number not below 0, got " +
                        std::to_string(noise_multiplier));
        int64_t total = 0;
        for (const auto& p : m.parameters) total += p.numel();
        m.dp = gf_model::DpSgd{};  // waits for a draw still running from the previous settings
        m.dp.noise = at::detail::createCPUGenerator(noise_seed);
        m.dp.noise_count = total;
        m.dp.noise_multiplier = noise_multiplier;
        m.dp.clip_norm = clip_norm;
    });
}

extern "C" gf_status gf_model_disable_dp_sgd(gf_model* model) {
    return gf::guard([&] {
        auto& m = deref(model);
        m.dp = gf_model::DpSgd{};
    });
}

extern "C" gf_status gf_model_train(gf_model* model, const float* features, const int64_t* labels,
                                    int64_t sample_count, const int64_t* order, int64_t order_count,
                                    int64_t batch_size, double* mean_loss) {
    return gf::guard([&] {
        auto& m = deref(model);
        check_samples(m, features, sample_count, batch_size);
        gf::require(sample_count == 0 || labels != nullptr, "labels are null");
        gf::require(mean_loss != nullptr, "the loss output pointer is null");
        gf::require(order == nullptr || order_count >= 0, "the order count must not be negative");
        const int64_t steps_over = order ? order_count : sample_count;
        gf::require(steps_over > 0, "there is nothing to train on");

        auto all_rows = feature_view(m, features, sample_count);
        auto all_labels = torch::from_blob(const_cast<int64_t*>(labels), {sample_count}, torch::kInt64);
        torch::Tensor order_view;
        if (order) {
            order_view = torch::from_blob(const_cast<int64_t*>(order), {order_count}, torch::kInt64);
            const auto lowest = order_view.min().item<int64_t>(), highest = order_view.max().item<int64_t>();
            gf::require(lowest >= 0 && highest < sample_count,
                        "sample index " + std::to_string(lowest < 0 ? lowest : highest) + " is outside [0, " +
                            std::to_string(sample_count) + ")");
        }

        // Labels are checked once per call, not per batch: a per-batch min/max costs two reductions and two
        // synchronisations for every optimizer step.
        check_labels(m, all_labels);
        m.set_training(true);
        double loss_sum = 0;
        for (int64_t start = 0; start < steps_over; start += batch_size) {
            const int64_t size = std::min(batch_size, steps_over - start);
            torch::Tensor rows, targets;
            if (order) {
                auto picked = order_view.narrow(0, start, size);
                rows = all_rows.index_select(0, picked);
                targets = all_labels.index_select(0, picked);
            } else {
                rows = all_rows.narrow(0, start, size);
                targets = all_labels.narrow(0, start, size);
            }
            m.optimizer->zero_grad();
            if (m.dp.clip_norm > 0) {
                loss_sum += gf::dp_sgd_gradients(m, as_batch(m, rows), targets);
                m.optimizer->step();
                continue;
            }
            auto loss = torch::nn::functional::cross_entropy(logits_of(m, rows), targets);
            loss.backward();
            m.optimizer->step();
            loss_sum += loss.item<double>() * static_cast<double>(size);
        }
        *mean_loss = loss_sum / static_cast<double>(steps_over);
    });
}

namespace {

// Adds the summed cross-entropy and the count of correct predictions over the samples, batch by batch, to the
// running totals: one running double sum, so a caller that evaluates a data set in consecutive chunks whose sizes
// are multiples of batch_size gets the same bits as one call over all of it.
void evaluate_into(gf_model& m, const float* features, const int64_t* labels, int64_t sample_count, int64_t batch_size,
                   double& loss_sum, int64_t& correct) {
    torch::NoGradGuard no_grad;
    m.set_training(false);
    auto all_rows = feature_view(m, features, sample_count);
    auto all_labels = torch::from_blob(const_cast<int64_t*>(labels), {sample_count}, torch::kInt64);
    for (int64_t start = 0; start < sample_count; start += batch_size) {
        const int64_t size = std::min(batch_size, sample_count - start);
        auto targets = all_labels.narrow(0, start, size);
        check_labels(m, targets);
        auto logits = logits_of(m, all_rows.narrow(0, start, size));
        loss_sum += torch::nn::functional::cross_entropy(
                        logits, targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
        correct += logits.argmax(1).eq(targets).sum().item<int64_t>();
    }
    m.set_training(true);
}

}  // namespace

extern "C" gf_status gf_model_evaluate(gf_model* model, const float* features, const int64_t* labels,
                                       int64_t sample_count, int64_t batch_size, double* mean_loss, double* accuracy) {
    return gf::guard([&] {
        auto& m = deref(model);
        check_samples(m, features, sample_count, batch_size);
        gf::require(sample_count > 0, "there is nothing to evaluate");
        gf::require(labels != nullptr, "labels are null");
        gf::require(mean_loss != nullptr && accuracy != nullptr, "an output pointer is null");
        double loss_sum = 0;
        int64_t correct = 0;
        evaluate_into(m, features, labels, sample_count, batch_size, loss_sum, correct);
        *mean_loss = loss_sum / static_cast<double>(sample_count);
        *accuracy = static_cast<double>(correct) / static_cast<double>(sample_count);
    });
}

extern "C" gf_status gf_model_evaluate_add(gf_model* model, const float* features, const int64_t* labels,
                                           int64_t sample_count, int64_t batch_size, double* loss_sum,
                                           int64_t* correct) {
    return gf::guard([&] {
        auto& m = deref(model);
        check_samples(m, features, sample_count, batch_size);
        gf::require(sample_count > 0, "there is nothing to evaluate");
        gf::require(labels != nullptr, "labels are null");
        gf::require(loss_sum != nullptr && correct != nullptr, "an output pointer is null");
        evaluate_into(m, features, labels, sample_count, batch_size, *loss_sum, *correct);
    });
}

extern "C" gf_status gf_model_predict(gf_model* model, const float* features, int64_t sample_count, int64_t batch_size,
                                      int64_t* classes) {
    return gf::guard([&] {
        auto& m = deref(model);
        check_samples(m, features, sample_count, batch_size);
        gf::require(sample_count == 0 || classes != nullptr, "the output pointer is null");
        torch::NoGradGuard no_grad;
        m.set_training(false);
        auto all_rows = feature_view(m, features, sample_count);
        auto out = torch::from_blob(classes, {sample_count}, torch::kInt64);
        for (int64_t start = 0; start < sample_count; start += batch_size) {
            const int64_t size = std::min(batch_size, sample_count - start);
            out.narrow(0, start, size).copy_(logits_of(m, all_rows.narrow(0, start, size)).argmax(1));
        }
        m.set_training(true);
    });
}

extern "C" gf_status gf_model_probabilities(gf_model* model, const float* features, int64_t sample_count,
                                            int64_t batch_size, float* probabilities) {
    return gf::guard([&] {
        auto& m = deref(model);
        check_samples(m, features, sample_count, batch_size);
        gf::require(sample_count == 0 || probabilities != nullptr, "the output pointer is null");
        torch::NoGradGuard no_grad;
        m.set_training(false);
        auto all_rows = feature_view(m, features, sample_count);
        auto out = torch::from_blob(probabilities, {sample_count, m.class_count}, torch::kFloat32);
        for (int64_t start = 0; start < sample_count; start += batch_size) {
            const int64_t size = std::min(batch_size, sample_count - start);
            out.narrow(0, start, size).copy_(torch::softmax(logits_of(m, all_rows.narrow(0, start, size)), 1));
        }
        m.set_training(true);
    });
}

extern "C" gf_status gf_model_parameter_layout(gf_model* model, char* buffer, int64_t capacity, int64_t* needed) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(needed != nullptr, "the size pointer is null");
        std::string text;
        auto describe = [&text](const std::string& name, const torch::Tensor& p) {
            text += name;
            text += '\t';
            for (int64_t d = 0; d < p.dim(); ++d) {
                if (d > 0) text += ',';
                text += std::to_string(p.size(d));
            }
            text += '\n';
        };
        // named_parameters lists the same tensors in the same order as parameters(), which m.parameters holds.
        size_t index = 0;
        if (m.module) {
            for (const auto& item : m.module->named_parameters()) {
                gf::require(index < m.parameters.size() && item.value().is_same(m.parameters[index++]),
                            "the module's named parameters do not match its parameter order");
                describe(item.key(), item.value());
            }
        } else {
            for (const auto& item : m.script->named_parameters()) {
                gf::require(index < m.parameters.size() && item.value.is_same(m.parameters[index++]),
                            "the module's named parameters do not match its parameter order");
                describe(item.name, item.value);
            }
        }
        gf::require(index == m.parameters.size(), "the module's named parameters do not match its parameter order");
        *needed = static_cast<int64_t>(text.size()) + 1;
        if (buffer != nullptr && capacity >= *needed) std::memcpy(buffer, text.c_str(), text.size() + 1);
    });
}

extern "C" gf_status gf_model_save_torchscript(gf_model* model, const char* path) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(path != nullptr && *path != '\0', "the path is empty");
        gf::require(m.script != nullptr, "only a model loaded from TorchScript can be saved as TorchScript");
        m.script->save(path);
    });
}

extern "C" gf_status gf_model_save_optimizer_state(gf_model* model, const char* path) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(path != nullptr && *path != '\0', "the optimizer state path is empty");
        torch::serialize::OutputArchive archive;
        m.optimizer->save(archive);
        archive.save_to(path);
    });
}

extern "C" gf_status gf_model_load_optimizer_state(gf_model* model, const char* path) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(path != nullptr && *path != '\0', "the optimizer state path is empty");
        if (!std::ifstream(path).good()) throw gf::io_error(std::string("cannot open optimizer state file '") + path + "'");
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        m.optimizer->load(archive);
    });
}

extern "C" gf_status gf_model_parameter_count(gf_model* model, int64_t* count) {
    return gf::guard([&] {
        auto& m = deref(model);
        gf::require(count != nullptr, "the output pointer is null");
        int64_t total = 0;
        for (const auto& p : m.parameters) total += p.numel();
        *count = total;
    });
}

extern "C" gf_status gf_model_get_parameters(gf_model* model, float* destination, int64_t count) {
    return gf::guard([&] {
        auto& m = deref(model);
        int64_t total = 0;
        for (const auto& p : m.parameters) total += p.numel();
        gf::require(count == total, "the model has " + std::to_string(total) + " parameters, the buffer holds " +
                                        std::to_string(count));
        gf::require(destination != nullptr, "the destination is null");
        int64_t offset = 0;
        for (const auto& p : m.parameters) {
            auto values = p.detach().contiguous();
            std::memcpy(destination + offset, values.data_ptr<float>(), sizeof(float) * values.numel());
            offset += values.numel();
        }
    });
}

extern "C" gf_status gf_model_set_parameters(gf_model* model, const float* source, int64_t count) {
    return gf::guard([&] {
        auto& m = deref(model);
        int64_t total = 0;
        for (const auto& p : m.parameters) total += p.numel();
        gf::require(count == total, "the model has " + std::to_string(total) + " parameters, the vector holds " +
                                        std::to_string(count));
        gf::require(source != nullptr, "the source is null");
        torch::NoGradGuard no_grad;
        int64_t offset = 0;
        for (auto& p : m.parameters) {
            auto values = torch::from_blob(const_cast<float*>(source + offset), p.sizes(), torch::kFloat32);
            p.copy_(values);
            offset += p.numel();
        }
    });
}
