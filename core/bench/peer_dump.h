// The files that let bench/peer/official_step.py start from exactly the same state as `bench surgery`:
//   DIR/config.json           the model's HF config
//   DIR/model.safetensors     the initial weights under their HF names (float32)
//   DIR/batches.safetensors   "forget", "update", "retain": [B, T+1] token ids stored as float32 (exact
//                             below 2^24); row r's input is ids[r, :T], its targets ids[r, 1:]
//   DIR/recipe.json           optimiser and objective settings of the step (lr, betas, weight decay, clip,
//                             term weights, topk, precision)
// Core-internal (torch types).
#pragma once
#include "core/model/llama.h"

#include <filesystem>
#include <string>

namespace llms::bench {

// ids [3B, T+1]: forget rows, then update rows, then retain rows. recipe_json: a JSON object (text).
// llms::Error when the folder cannot be created or a file cannot be written.
void write_peer_dump(const std::filesystem::path& dir, LlamaForCausalLM& net, const at::Tensor& ids, int64_t B,
                     const std::string& recipe_json);

}  // namespace llms::bench
