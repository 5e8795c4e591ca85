#include "core/bench/gemm_peak.h"

#include "core/bench/device_memory.h"
#include "core/common/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace llms::bench {

double measure_gemm_gflops(const std::string& dtype, const std::string& device, int n, int repeats) {
    at::ScalarType t;
    if (dtype == "float32") t = at::kFloat;
    else if (dtype == "bfloat16") t = at::kBFloat16;
    else throw Error("GEMM peak: unsupported dtype \"" + dtype + "\" (use float32 or bfloat16)");
    const bool gpu = is_cuda_device(device);
    if (n == 0) n = gpu ? 8192 : 2048;
    if (n < 1 || repeats < 1) throw Error("GEMM peak: the size and the repeat count must be positive");
    at::NoGradGuard ng;
    auto a = at::randn({n, n}, at::kFloat).to(at::Device(device), t);   // [n, n]
    auto b = at::randn({n, n}, at::kFloat).to(at::Device(device), t);   // [n, n]
    auto c = at::matmul(a, b);                       // warm-up: packing buffers, thread pool, GPU kernels
    synchronize_device(device);
    double best = 1e30;
    for (int i = 0; i < repeats; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        c = at::matmul(a, b);
        synchronize_device(device);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 2.0 * n * n * (double)n / best / 1e9;
}

}  // namespace llms::bench
