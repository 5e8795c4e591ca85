#include "core/common/shape_text.h"

namespace llms {

std::string shape_text(const std::vector<int64_t>& shape) {
    std::string r = "[";
    for (size_t i = 0; i < shape.size(); ++i) r += (i ? ", " : "") + std::to_string(shape[i]);
    return r + "]";
}

}  // namespace llms
