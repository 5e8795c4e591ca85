#include "core/common/dtype_torch.h"

namespace llms {

at::ScalarType scalar_type(const WeightDtype& d) {
    switch (d.id) {
        case Dtype::Float32: return at::kFloat;
        case Dtype::BFloat16: return at::kBFloat16;
        case Dtype::Float16: return at::kHalf;
    }
    return at::kFloat;
}

const WeightDtype* dtype_of(at::ScalarType t) {
    for (const Dtype id : {Dtype::Float32, Dtype::BFloat16, Dtype::Float16})
        if (scalar_type(dtype_info(id)) == t) return &dtype_info(id);
    return nullptr;
}

std::string dtype_name(at::ScalarType t) {
    const auto* d = dtype_of(t);
    return d ? std::string(d->name) : std::string(c10::toString(t));
}

}  // namespace llms
