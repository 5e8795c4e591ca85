// Tensor comparisons the test suites share.
#pragma once
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <functional>
#include <vector>

namespace llms::test {

// Same dtype, shape and bit patterns (NaN payloads and -0.0 count).
inline bool bit_equal(const at::Tensor& a, const at::Tensor& b) {
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
    const auto ca = a.contiguous(), cb = b.contiguous();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), (size_t)ca.numel() * ca.element_size()) == 0;
}

// Nested JSON lists of numbers as a float64 tensor of their shape (the reference data in tests/data/objective/).
inline at::Tensor json_tensor(const nlohmann::json& j) {
    std::vector<double> flat;
    std::vector<int64_t> shape;
    std::function<void(const nlohmann::json&, size_t)> walk = [&](const nlohmann::json& v, size_t depth) {
        if (!v.is_array()) return flat.push_back(v.get<double>());
        if (shape.size() == depth) shape.push_back((int64_t)v.size());
        for (const auto& x : v) walk(x, depth + 1);
    };
    walk(j, 0);
    return at::tensor(flat, at::kDouble).view(shape);
}

}  // namespace llms::test
