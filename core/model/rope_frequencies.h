// The rotary embedding's inverse frequencies for a config, with its rope_scaling: none (1 / theta^(2i/HD)),
// "linear" (divided by factor: positions stretched) or "llama3" (Llama 3.1+: long wavelengths divided by factor,
// short ones kept, a smooth blend between; transformers' _compute_llama3_parameters). Torch types: core-internal.
#pragma once
#include "core/model/llama_config.h"

#include <ATen/Tensor.h>

namespace llms {

at::Tensor rope_inv_freq(const LlamaConfig& c);   // [HD/2] fp32, CPU

}  // namespace llms
