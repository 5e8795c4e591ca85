// Tensor comparisons the test suites share.
#pragma once
#include <ATen/Tensor.h>

#include <cstring>

namespace llms::test {

// Same dtype, shape and bit patterns (NaN payloads and -0.0 count).
inline bool bit_equal(const at::Tensor& a, const at::Tensor& b) {
    if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
    const auto ca = a.contiguous(), cb = b.contiguous();
    return std::memcmp(ca.data_ptr(), cb.data_ptr(), (size_t)ca.numel() * ca.element_size()) == 0;
}

}  // namespace llms::test
