// Process-wide libtorch settings: threads, seed, version.
#include <torch/torch.h>
#include <torch/version.h>

#include "errors.h"

extern "C" const char* gf_torch_version(void) { return TORCH_VERSION; }

extern "C" gf_status gf_set_num_threads(int32_t threads) {
    return gf::guard([&] {
        gf::require(threads >= 1, "thread count must be at least 1, got " + std::to_string(threads));
        torch::set_num_threads(threads);
    });
}

extern "C" int32_t gf_get_num_threads(void) { return static_cast<int32_t>(torch::get_num_threads()); }

extern "C" gf_status gf_manual_seed(uint64_t seed) {
    return gf::guard([&] { torch::manual_seed(seed); });
}
