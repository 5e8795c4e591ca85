// The machine's measured matrix-multiply peak: the reference for model FLOP utilisation (MFU).
// Torch-free header.
#pragma once
#include <string>

namespace llms::bench {

// GFLOP/s of the best of `repeats` timed at::matmul calls of two n x n matrices in `dtype`
// ("float32" or "bfloat16"), on the CPU, with the current thread count. One untimed warm-up call first.
// n = 2048: 1024 reaches only ~75% of the fp32 peak of OpenBLAS here (measured 140 vs 186 GFLOP/s).
double measure_gemm_gflops(const std::string& dtype, int n = 2048, int repeats = 6);

}  // namespace llms::bench
