// Sample-level DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016): the gradient of one
// batch with each sample's gradient clipped and Gaussian noise added, left in the parameters' .grad for the
// model's optimizer to step on.
#pragma once

#include "models.h"

namespace gf {

// Sets every parameter's gradient to (sum_i c_i g_i + N(0, (sigma C)^2 I)) / B, where g_i is the gradient of
// sample i's cross-entropy loss over all parameters jointly, c_i = min(1, C / |g_i|_2) and B = batch.size(0).
// batch is shaped [B, *input_shape]. Returns the sum of the samples' losses (before the step).
double dp_sgd_gradients(gf_model& model, const torch::Tensor& batch, const torch::Tensor& targets);

}  // namespace gf
