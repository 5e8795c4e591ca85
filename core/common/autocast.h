// Scoped autocast: bf16 matmuls with fp32 master weights, on the CPU (oneDNN AVX-512 BF16) or on CUDA.
// LibTorch 1.13's per-backend API (set_cpu_enabled / set_enabled) or the per-device API of LibTorch >= 2.4.
// Core-internal (pretraining, surgery, benchmarks); torch types, so never included by ui/.
#pragma once
#include <ATen/autocast_mode.h>
#include <c10/core/DeviceType.h>
#include <torch/version.h>

namespace llms {

class Autocast {
public:
    // device: kCPU or kCUDA (the device the model runs on). Nothing happens when enable is false.
    explicit Autocast(bool enable, c10::DeviceType device = c10::kCPU) : on_(enable), cuda_(device == c10::kCUDA) {
        if (!on_) return;
        previous_ = enabled(device);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        const auto d = cuda_ ? c10::kCUDA : c10::kCPU;
        at::autocast::set_autocast_dtype(d, at::kBFloat16);
        at::autocast::set_autocast_enabled(d, true);
#else
        if (cuda_) {
            at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_enabled(true);
        } else {
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(true);
        }
#endif
    }
    ~Autocast() {
        if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_enabled(cuda_ ? c10::kCUDA : c10::kCPU, previous_);
#else
        if (cuda_) at::autocast::set_enabled(previous_);
        else at::autocast::set_cpu_enabled(previous_);
#endif
        if (!previous_) at::autocast::clear_cache();   // the bf16 weight copies of this region
    }
    Autocast(const Autocast&) = delete;
    Autocast& operator=(const Autocast&) = delete;

    // Whether bf16 autocast is on for this device right now (a recomputation in the backward restores it).
    static bool enabled(c10::DeviceType device) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        return at::autocast::is_autocast_enabled(device == c10::kCUDA ? c10::kCUDA : c10::kCPU);
#else
        return device == c10::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
    }

private:
    bool on_ = false, cuda_ = false, previous_ = false;
};

}  // namespace llms
