// The weights a surgery trains, on a model (the spec's grammar: core/surgery/trainable_spec.h). Frozen weights
// need no gradient and no AdamW state (12 bytes per fp32 weight) and their weight-gradient matmuls are skipped:
// layer-selective training is what makes a 7B-shape surgery fit one 80 GB GPU, and what makes the paper bench's
// surgery cheaper per token (docs/benchmarks.md). Torch types: core/ only.
#pragma once
#include "core/model/llama.h"
#include "core/surgery/trainable_spec.h"

#include <string>
#include <vector>

namespace llms::surgery {

// Sets requires_grad on every parameter of the model (true for the selected ones) and returns the
// selected ones in HF order. llms::Error for a bad spec, one naming layers the model lacks, or one selecting nothing.
std::vector<at::Tensor> select_trainable(LlamaForCausalLM& net, const std::string& spec);

}  // namespace llms::surgery
