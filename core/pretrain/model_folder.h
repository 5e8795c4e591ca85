// The pretrained model's HF folder, written atomically through io::write_hf_folder: config.json,
// model.safetensors (F32), tokenizer.model, known_facts.jsonl and pretrain.json. Core-internal (torch types).
#pragma once
#include "core/model/llama_config.h"

#include <ATen/Tensor.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llms::pretrain {

struct ModelFolderFiles {
    std::filesystem::path tokenizer_model;   // the trained tokenizer.model (copied)
    std::filesystem::path heldout_txt;       // copied as heldout.txt when set (fluency text of eval/surgery)
    std::optional<std::string> known_facts_jsonl;   // written as known_facts.jsonl when set
    std::string pretrain_json;               // written as pretrain.json
};

// llms::Error when out exists and !overwrite, or on any write failure; a failure leaves nothing at out
// that looks complete.
void write_model_folder(const std::filesystem::path& out, const LlamaConfig& config,
                        const std::vector<std::pair<std::string, at::Tensor>>& tensors, const ModelFolderFiles& files,
                        bool overwrite);

}  // namespace llms::pretrain
