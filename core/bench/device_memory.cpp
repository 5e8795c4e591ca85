#include "core/bench/device_memory.h"

#include <ATen/Device.h>
#include <torch/cuda.h>

#ifdef LLMS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace llms::bench {

bool is_cuda_device(const std::string& device) { return device.rfind("cuda", 0) == 0; }

void synchronize_device(const std::string& device) {
    if (is_cuda_device(device)) torch::cuda::synchronize(at::Device(device).has_index() ? at::Device(device).index() : -1);
}

#ifdef LLMS_WITH_CUDA
static int device_index(const std::string& device) {
    const at::Device d(device);
    return d.has_index() ? d.index() : 0;
}
void reset_peak_device_memory(const std::string& device) {
    if (is_cuda_device(device)) c10::cuda::CUDACachingAllocator::resetPeakStats(device_index(device));
}
double peak_device_memory_mb(const std::string& device) {
    if (!is_cuda_device(device)) return -1;
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device_index(device));
    // Entry 0 is StatType::AGGREGATE (all pools) in every LibTorch since 1.x; the enum moved namespaces in 2.x.
    return (double)stats.allocated_bytes[0].peak / (1024.0 * 1024.0);
}
#else
void reset_peak_device_memory(const std::string&) {}
double peak_device_memory_mb(const std::string&) { return -1; }
#endif

}  // namespace llms::bench
