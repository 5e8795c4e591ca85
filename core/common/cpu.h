// Facts about the CPU this process runs on, read from /proc/cpuinfo. Torch-free.
#pragma once

namespace llms {

// Physical cores of this machine (distinct (physical id, core id) pairs of /proc/cpuinfo); falls back to
// the hardware thread count where /proc/cpuinfo says nothing.
int physical_cores();

// True when the CPU computes bf16 natively (avx512_bf16 or amx_bf16): bf16 autocast pays off there,
// elsewhere it is emulated and slower than fp32.
bool cpu_has_native_bf16();

}  // namespace llms
