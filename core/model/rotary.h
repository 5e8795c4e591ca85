// The rotary position embedding in HF's rotate-half layout, x·cos + rotate_half(x)·sin with rotate_half(x) =
// cat(−x₂, x₁), as one autograd node with a fused CPU loop. Composed from ATen ops it is six kernels forward
// (two multiplies, a negation, a concatenation, an add, and a cast under autocast, since bf16 q times fp32 cos is
// fp32) and about a dozen backward (slice gradients materialise zero-filled tensors) for each of q and k. Here one
// pass each way, in fp32 arithmetic, the result rounded once to x's dtype (what the attention's matmul would cast
// it to under autocast). Other devices and dtypes take the ATen ops. Torch types: core/ only.
#pragma once
#include <ATen/Tensor.h>

namespace llms {

// x [B, H, T, D] (any strides), cos / sin [T, D] or [B, 1, T, D] -> [B, H, T, D] of x's dtype, differentiable in x.
at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace llms
