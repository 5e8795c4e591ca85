// The weight dtypes of core/common/dtype.h as LibTorch scalar types.
#pragma once
#include "core/common/dtype.h"

#include <c10/core/ScalarType.h>

#include <string>

namespace llms {

at::ScalarType scalar_type(const WeightDtype& d);
// The table's row of a scalar type; nullptr for types weights are never stored in.
const WeightDtype* dtype_of(at::ScalarType t);
// "float32", "bfloat16", "float16"; c10's name for any other type.
std::string dtype_name(at::ScalarType t);

}  // namespace llms
