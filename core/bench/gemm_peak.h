// The machine's measured matrix-multiply peak: the reference for model FLOP utilisation (MFU).
// Torch-free header.
#pragma once
#include <string>

namespace llms::bench {

// GFLOP/s of the best of `repeats` timed at::matmul calls of two n x n matrices in `dtype`
// ("float32" or "bfloat16") on `device` ("cpu": the current thread count; "cuda[:N]"). One untimed
// warm-up call first. n 0: 2048 on the CPU (1024 reaches only ~75% of the fp32 peak of OpenBLAS here,
// measured 140 vs 186 GFLOP/s), 8192 on a GPU.
double measure_gemm_gflops(const std::string& dtype, const std::string& device = "cpu", int n = 0, int repeats = 6);

}  // namespace llms::bench
