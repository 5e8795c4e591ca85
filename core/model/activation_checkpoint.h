// Activation checkpointing for the decoder layers: the forward keeps only each layer's input; the backward
// recomputes the layer (under the autocast state of the forward) and backpropagates through it. Activation
// memory drops from every intermediate of every layer to one layer's input per layer plus one layer's
// intermediates, for one more forward pass of compute. Torch types: core/ only.
#pragma once
#include <ATen/core/Tensor.h>

namespace llms {

struct LlamaDecoderLayerImpl;

// layer(x, cos, sin, mask) without a KV cache, differentiable w.r.t. x and the layer's parameters.
// x [B, T, C] must require grad (otherwise nothing upstream needs the graph: call the layer directly).
at::Tensor checkpointed_layer(LlamaDecoderLayerImpl& layer, const at::Tensor& x, const at::Tensor& cos,
                              const at::Tensor& sin, const at::Tensor& mask);

}  // namespace llms
