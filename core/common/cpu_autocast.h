// Scoped CPU autocast (bf16 matmuls, fp32 master weights): LibTorch 1.13's set_cpu_enabled API, or the
// per-device API of LibTorch >= 2.4. Core-internal (pretraining, benchmarks).
#pragma once
#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace llms {

class CpuAutocast {
public:
    explicit CpuAutocast(bool enable) : on_(enable) {
        if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        previous_ = at::autocast::is_autocast_enabled(at::kCPU);
        at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
        at::autocast::set_autocast_enabled(at::kCPU, true);
#else
        previous_ = at::autocast::is_cpu_enabled();
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        at::autocast::set_cpu_enabled(true);
#endif
    }
    ~CpuAutocast() {
        if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_enabled(at::kCPU, previous_);
#else
        at::autocast::set_cpu_enabled(previous_);
#endif
        if (!previous_) at::autocast::clear_cache();   // the bf16 weight copies of this region
    }
    CpuAutocast(const CpuAutocast&) = delete;
    CpuAutocast& operator=(const CpuAutocast&) = delete;

private:
    bool on_ = false, previous_ = false;
};

}  // namespace llms
