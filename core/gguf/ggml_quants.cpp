#include "core/gguf/ggml_quants.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llms::gguf {

namespace {

uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float float_of(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
void put_half(uint8_t* p, uint16_t h) { p[0] = (uint8_t)(h & 0xff), p[1] = (uint8_t)(h >> 8); }
uint16_t get_half(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }

}  // namespace

// The half conversion of ggml_compute_fp32_to_fp16 (Maratyszcza's FP16): a float multiply does the rounding.
uint16_t fp32_to_fp16(float f) {
    const float scale_to_inf = float_of(0x77800000u), scale_to_zero = float_of(0x08800000u);
    float base = (std::fabs(f) * scale_to_inf) * scale_to_zero;
    const uint32_t w = bits_of(f), shl1_w = w + w, sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = float_of((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = bits_of(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u, mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

float fp16_to_fp32(uint16_t h) {
    const uint32_t w = (uint32_t)h << 16, sign = w & 0x80000000u, two_w = w + w;
    const uint32_t exp_offset = 0xE0u << 23;
    const float exp_scale = float_of(0x7800000u);
    const float normalized = float_of((two_w >> 4) + exp_offset) * exp_scale;
    const uint32_t magic_mask = 126u << 23;
    const float magic_bias = 0.5f;
    const float denormalized = float_of((two_w >> 17) | magic_mask) - magic_bias;
    const uint32_t denormalized_cutoff = 1u << 27;
    const uint32_t result = sign | (two_w < denormalized_cutoff ? bits_of(denormalized) : bits_of(normalized));
    return float_of(result);
}

uint16_t fp32_to_bf16(float f) {
    const uint32_t u = bits_of(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 64);   // NaN: force quiet
    return (uint16_t)((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
}

float bf16_to_fp32(uint16_t h) { return float_of((uint32_t)h << 16); }

void quantize_q8_0(const float* x, int64_t n, uint8_t* out) {
    for (int64_t b = 0; b < n / kQuantBlock; ++b, x += kQuantBlock, out += kQ8_0BlockBytes) {
        float amax = 0.0f;
        for (int j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        put_half(out, fp32_to_fp16(d));
        for (int j = 0; j < kQuantBlock; ++j) out[2 + j] = (uint8_t)(int8_t)std::roundf(x[j] * id);
    }
}

void quantize_q4_0(const float* x, int64_t n, uint8_t* out) {
    for (int64_t b = 0; b < n / kQuantBlock; ++b, x += kQuantBlock, out += kQ4_0BlockBytes) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < kQuantBlock; ++j)
            if (amax < std::fabs(x[j])) amax = std::fabs(x[j]), max = x[j];
        const float d = max / -8.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        put_half(out, fp32_to_fp16(d));
        for (int j = 0; j < kQuantBlock / 2; ++j) {
            // x·id + 8.5 rounded once to float (ggml's compilers fuse it), then truncated.
            const int lo = std::min(15, (int)(int8_t)(float)((double)x[j] * id + 8.5));
            const int hi = std::min(15, (int)(int8_t)(float)((double)x[j + 16] * id + 8.5));
            out[2 + j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

void dequantize_q8_0(const uint8_t* blocks, int64_t n, float* out) {
    for (int64_t b = 0; b < n / kQuantBlock; ++b, blocks += kQ8_0BlockBytes, out += kQuantBlock) {
        const float d = fp16_to_fp32(get_half(blocks));
        for (int j = 0; j < kQuantBlock; ++j) out[j] = (float)(int8_t)blocks[2 + j] * d;
    }
}

void dequantize_q4_0(const uint8_t* blocks, int64_t n, float* out) {
    for (int64_t b = 0; b < n / kQuantBlock; ++b, blocks += kQ4_0BlockBytes, out += kQuantBlock) {
        const float d = fp16_to_fp32(get_half(blocks));
        for (int j = 0; j < kQuantBlock / 2; ++j) {
            out[j] = (float)((blocks[2 + j] & 0x0f) - 8) * d;
            out[j + 16] = (float)((blocks[2 + j] >> 4) - 8) * d;
        }
    }
}

}  // namespace llms::gguf
