// Force-included (-include) into the torch sources of the core that the safetensors harnesses compile, in place of
// llms_core's precompiled core/common/torch_pch.h. c10::IValue comes first: with clang 14 in C++20, LibTorch 1.13's
// ATen/core/List.h otherwise instantiates std::vector<IValue> while IValue is still incomplete (a hard error).
#pragma once
#include <ATen/core/ivalue.h>
#include "core/common/torch_pch.h"
