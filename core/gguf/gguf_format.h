// GGUF v3, llama.cpp's model file (ggml docs/gguf.md): the value and tensor types, their sizes, and the
// file-type numbers llama.cpp reads. All little-endian: magic "GGUF", u32 version 3, u64 tensor count, u64
// metadata count, the metadata (string key, u32 value type, value), the tensor infos (name, u32 dimensions,
// u64 sizes innermost first, u32 type, u64 offset into the data), padding to the alignment (32), the data (each
// tensor padded to the alignment, offsets cumulative in info order). Torch-free.
#pragma once
#include <cstdint>
#include <string>

namespace llms::gguf {

inline constexpr uint32_t kMagic = 0x46554747;   // "GGUF" read as a little-endian u32
inline constexpr uint32_t kVersion = 3;
inline constexpr uint64_t kAlignment = 32;       // general.alignment's default
inline constexpr size_t kMaxNameBytes = 63;      // ggml's GGML_MAX_NAME is 64 with the NUL
inline constexpr uint32_t kMaxDims = 4;

enum class ValueType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7, String = 8, Array = 9, U64 = 10, I64 = 11,
    F64 = 12,
};

enum class TensorType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, BF16 = 30 };

// Elements per block and bytes per block (1 and the element size for the float types). False for a type this
// project does not read or write.
bool type_traits(uint32_t type, int64_t* block, int64_t* block_bytes);
std::string type_name(TensorType t);              // "F32", "F16", "BF16", "Q8_0", "Q4_0"
bool type_from_name(const std::string& s, TensorType* out);   // "f32", "f16", "bf16", "q8_0", "q4_0"
// Bytes of a tensor of n elements (n a multiple of the block); -1 when not.
int64_t tensor_bytes(TensorType t, int64_t n);
// llama.cpp's general.file_type (LLAMA_FTYPE_*): ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2, MOSTLY_Q8_0 7, MOSTLY_BF16 32.
uint32_t file_type(TensorType t);

// Size in bytes of a scalar value type; 0 for String / Array.
int64_t scalar_bytes(ValueType t);

}  // namespace llms::gguf
