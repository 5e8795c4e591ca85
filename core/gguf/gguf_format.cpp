#include "core/gguf/gguf_format.h"

#include "core/gguf/ggml_quants.h"

namespace llms::gguf {

bool type_traits(uint32_t type, int64_t* block, int64_t* block_bytes) {
    switch ((TensorType)type) {
        case TensorType::F32: *block = 1, *block_bytes = 4; return true;
        case TensorType::F16:
        case TensorType::BF16: *block = 1, *block_bytes = 2; return true;
        case TensorType::Q8_0: *block = kQuantBlock, *block_bytes = kQ8_0BlockBytes; return true;
        case TensorType::Q4_0: *block = kQuantBlock, *block_bytes = kQ4_0BlockBytes; return true;
    }
    return false;
}

std::string type_name(TensorType t) {
    switch (t) {
        case TensorType::F32: return "F32";
        case TensorType::F16: return "F16";
        case TensorType::BF16: return "BF16";
        case TensorType::Q8_0: return "Q8_0";
        case TensorType::Q4_0: return "Q4_0";
    }
    return "?";
}

bool type_from_name(const std::string& s, TensorType* out) {
    const std::pair<const char*, TensorType> names[] = {{"f32", TensorType::F32}, {"f16", TensorType::F16},
                                                        {"bf16", TensorType::BF16}, {"q8_0", TensorType::Q8_0},
                                                        {"q4_0", TensorType::Q4_0}};
    for (const auto& [name, t] : names)
        if (s == name) return *out = t, true;
    return false;
}

int64_t tensor_bytes(TensorType t, int64_t n) {
    int64_t block = 0, bytes = 0;
    if (!type_traits((uint32_t)t, &block, &bytes) || n < 0 || n % block != 0) return -1;
    return n / block * bytes;
}

uint32_t file_type(TensorType t) {
    switch (t) {
        case TensorType::F32: return 0;
        case TensorType::F16: return 1;
        case TensorType::Q4_0: return 2;
        case TensorType::Q8_0: return 7;
        case TensorType::BF16: return 32;
    }
    return 0;
}

int64_t scalar_bytes(ValueType t) {
    switch (t) {
        case ValueType::U8: case ValueType::I8: case ValueType::Bool: return 1;
        case ValueType::U16: case ValueType::I16: return 2;
        case ValueType::U32: case ValueType::I32: case ValueType::F32: return 4;
        case ValueType::U64: case ValueType::I64: case ValueType::F64: return 8;
        case ValueType::String: case ValueType::Array: return 0;
    }
    return 0;
}

}  // namespace llms::gguf
