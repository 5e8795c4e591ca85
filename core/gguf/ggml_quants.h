// ggml's number formats, bit for bit as its reference code writes them (ggml-quants.c, ggml-impl.h): IEEE half
// and bfloat16 with round-to-nearest-even, and the block quantizations Q8_0 and Q4_0 (32 weights per block, an
// fp16 scale first). Used by the GGUF export and by the audit's quantization attack. Torch-free.
#pragma once
#include <cstdint>

namespace llms::gguf {

constexpr int64_t kQuantBlock = 32;        // weights per Q8_0 / Q4_0 block
constexpr int64_t kQ8_0BlockBytes = 34;    // fp16 d + 32 int8
constexpr int64_t kQ4_0BlockBytes = 18;    // fp16 d + 16 bytes of nibbles

uint16_t fp32_to_fp16(float f);            // round to nearest even; overflow -> inf; NaN -> 0x7E00
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);            // round to nearest even; NaN stays a (quiet) NaN
float bf16_to_fp32(uint16_t h);

// n weights (a multiple of kQuantBlock) -> n / 32 blocks at out.
//   Q8_0: d = max|x| / 127, q = round(x / d) (halves away from zero).
//   Q4_0: d = m / -8 with m the weight of largest magnitude (the first on ties), q = min(15, trunc(x / d + 8.5));
//         weight j of a block in the low nibble of byte j, weight j + 16 in its high nibble.
void quantize_q8_0(const float* x, int64_t n, uint8_t* out);
void quantize_q4_0(const float* x, int64_t n, uint8_t* out);
void dequantize_q8_0(const uint8_t* blocks, int64_t n, float* out);
void dequantize_q4_0(const uint8_t* blocks, int64_t n, float* out);

}  // namespace llms::gguf
