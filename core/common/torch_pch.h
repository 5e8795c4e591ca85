// Precompiled for every core translation unit (see core/CMakeLists.txt). Never included by ui/.
#pragma once
#include <torch/torch.h>
