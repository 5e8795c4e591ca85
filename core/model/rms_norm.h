// Llama's RMSNorm, weight · x / sqrt(mean(x²) + eps), as one autograd node with hand-fused loops on the CPU.
// Composed from ATen ops (HF's formula) it is ~8 kernels forward and ~14 backward per norm, each a pass over the
// activations and a thread hand-off; and under bf16 autocast every projection that reads the norm's fp32 output casts
// it to bf16 again (three for q/k/v, two for gate/up), with as many casts back in the backward. Here one pass
// computes the row statistics and the output, two the backward; under CPU bf16 autocast the output is bf16 already
// (the value the projections' casts would give: the product rounded once), so the projections cast nothing.
// Same rounding as HF's LlamaRMSNorm: statistics in fp32, the normalised x rounded to x's dtype, then times the weight.
// Other devices and dtype mixes take the ATen ops. Torch types: core/ only.
#pragma once
#include <ATen/Tensor.h>

namespace llms {

// x [..., C], weight [C], both fp32 or both bf16 -> [..., C], differentiable in x and weight. The result's dtype
// is x's, or bf16 where CPU bf16 autocast is on (every consumer of a Llama norm is a projection).
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace llms
