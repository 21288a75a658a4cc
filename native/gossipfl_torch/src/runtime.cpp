// Process-wide libtorch settings: threads, seed, version.
#include <malloc.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdlib>

#include "errors.h"

namespace {

// glibc's malloc serves blocks of 128 KiB and more with mmap and returns them with munmap when freed (its threshold
// adapts upward after such frees; why that does not spare this process, as it seems to spare PyTorch's, we have not
// established). libtorch allocates and frees such blocks at every training step (a batch's activations and
// gradients), so each step faults its pages in again; with two OpenMP threads the faults contend on the process's
// address space and two threads trained slower than one. Measured, not reasoned: a high trim threshold alone does not
// help; with it, either a top pad or a fixed mmap threshold does, and we set both (docs/benchmarks.md, "Learning
// engine": MLP 784-200-200-10 on 2 threads 62k -> 95k-102k samples/s).
// A fixed mmap threshold of 32 MiB, a 256 MiB trim threshold and a 16 MiB top pad keep the per-step blocks in the
// heap for reuse. Set once when the shim loads; a MALLOC_MMAP_THRESHOLD_ in the environment is left to rule.
__attribute__((constructor)) void keep_step_buffers_in_the_heap() {
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) {
        return;
    }
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
}

}  // namespace

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
