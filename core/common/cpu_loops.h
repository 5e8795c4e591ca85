// Helpers for the hand-fused CPU loops (core/model/swiglu.cpp, core/model/rms_norm.cpp): fp32 <-> bf16 by bits
// (bf16 is the upper half of an fp32), and GCC function multiversioning so one build runs the AVX-512, AVX2 + FMA or
// baseline x86-64 version of a loop on the CPU at hand. The loops compute in fp32 for fp32 and bf16 tensors.
#pragma once
#include <c10/util/BFloat16.h>

#include <cstdint>
#include <cstring>

namespace llms::cpu {

inline float load(const float* p, int64_t i) { return p[i]; }
inline float load(const c10::BFloat16* p, int64_t i) {
    uint16_t h;
    std::memcpy(&h, p + i, 2);
    const uint32_t bits = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// f as a T holds it, back in fp32 (to bf16: rounds to nearest even; NaN stays NaN).
template <typename T>
float rounded(float f);
template <>
inline float rounded<float>(float f) { return f; }
template <>
inline float rounded<c10::BFloat16>(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    const bool nan = (bits & 0x7fffffffu) > 0x7f800000u;
    bits = nan ? 0x7fc00000u : ((bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u);
    std::memcpy(&f, &bits, 4);
    return f;
}

inline void store(float* p, int64_t i, float f) { p[i] = f; }
inline void store(c10::BFloat16* p, int64_t i, float f) {
    const float r = rounded<c10::BFloat16>(f);
    uint32_t bits;
    std::memcpy(&bits, &r, 4);
    const uint16_t h = uint16_t(bits >> 16);
    std::memcpy(p + i, &h, 2);
}

}  // namespace llms::cpu

// (GCC 12 accepts the x86-64-v3/v4 names in target_clones; ifunc needs glibc.)
#if defined(__x86_64__) && defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__) && defined(__GLIBC__)
#define LLMS_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LLMS_CPU_CLONES
#endif
