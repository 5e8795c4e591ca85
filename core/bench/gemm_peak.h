// The machine's measured matrix-multiply peak: the reference for model FLOP utilisation (MFU).
// Torch-free header.
#pragma once
#include <string>

namespace llms::bench {

// GFLOP/s of the best of `repeats` timed at::matmul calls of two n x n matrices in `dtype`
// ("float32" or "bfloat16"), on the CPU, with the current thread count. One untimed warm-up call first.
double measure_gemm_gflops(const std::string& dtype, int n = 1024, int repeats = 8);

}  // namespace llms::bench
