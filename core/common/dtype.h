// The weight dtypes the project reads, computes in and writes, in one table: the name config.json's torch_dtype
// and our options use, the short names the options also accept, the safetensors code, and bytes per element.
// Torch-free (config.json is checked without LibTorch); core/common/dtype_torch.h maps them to at::ScalarType.
#pragma once
#include <cstdint>
#include <string_view>

namespace llms {

enum class Dtype { Float32, BFloat16, Float16 };

struct WeightDtype {
    Dtype id;
    std::string_view name;          // "float32" | "bfloat16" | "float16" (config.json's torch_dtype)
    std::string_view safetensors;   // "F32" | "BF16" | "F16"
    int64_t bytes;                  // per element
};

// By name: the torch_dtype names and the aliases fp32 / f32, bf16, fp16 / f16. nullptr when unknown.
const WeightDtype* dtype_by_name(std::string_view name);
// By the torch_dtype name only (what config.json may say). nullptr when unknown.
const WeightDtype* dtype_by_torch_name(std::string_view name);
// By safetensors code. nullptr for codes the project does not load (I8, F64, ...).
const WeightDtype* dtype_by_safetensors(std::string_view code);
const WeightDtype& dtype_info(Dtype id);

constexpr const char* kDtypeNames = "float32, bfloat16 or float16";   // for messages

}  // namespace llms
