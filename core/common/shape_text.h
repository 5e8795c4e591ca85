// A tensor shape as messages print it: "[2048, 8192]".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llms {

std::string shape_text(const std::vector<int64_t>& shape);

}  // namespace llms
