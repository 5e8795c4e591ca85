// The accelerator side of a benchmark: wait for queued kernels before reading a clock, and the peak
// memory the caching allocator handed out. CUDA calls only in builds against a CUDA LibTorch
// (LLMS_WITH_CUDA, set by core/CMakeLists.txt when Torch brings c10_cuda); elsewhere they do nothing.
// Torch-free header.
#pragma once
#include <string>

namespace llms::bench {

bool is_cuda_device(const std::string& device);   // "cuda", "cuda:N"

// Blocks until the device has finished its queued work (no-op on the CPU).
void synchronize_device(const std::string& device);

// Resets / reads the peak of memory allocated on the device, in MiB (-1: not a CUDA device or not a CUDA
// build).
void reset_peak_device_memory(const std::string& device);
double peak_device_memory_mb(const std::string& device);

}  // namespace llms::bench
