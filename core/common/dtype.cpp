#include "core/common/dtype.h"

namespace llms {

namespace {

constexpr WeightDtype kDtypes[] = {
    {Dtype::Float32, "float32", "F32", 4},
    {Dtype::BFloat16, "bfloat16", "BF16", 2},
    {Dtype::Float16, "float16", "F16", 2},
};

struct Alias {
    std::string_view alias, name;
};
constexpr Alias kAliases[] = {{"fp32", "float32"}, {"f32", "float32"}, {"bf16", "bfloat16"},
                              {"fp16", "float16"}, {"f16", "float16"}};

}  // namespace

const WeightDtype* dtype_by_torch_name(std::string_view name) {
    for (const auto& d : kDtypes)
        if (d.name == name) return &d;
    return nullptr;
}

const WeightDtype* dtype_by_name(std::string_view name) {
    for (const auto& a : kAliases)
        if (a.alias == name) name = a.name;
    return dtype_by_torch_name(name);
}

const WeightDtype* dtype_by_safetensors(std::string_view code) {
    for (const auto& d : kDtypes)
        if (d.safetensors == code) return &d;
    return nullptr;
}

const WeightDtype& dtype_info(Dtype id) {
    for (const auto& d : kDtypes)
        if (d.id == id) return d;
    return kDtypes[0];   // unreachable: every Dtype has a row
}

}  // namespace llms
