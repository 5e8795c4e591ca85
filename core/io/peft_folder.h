// A LoRA adapter as a PEFT folder (Hugging Face PEFT's save_pretrained layout, what `PeftModel.from_pretrained`,
// vLLM and llama.cpp's convert_lora_to_gguf.py read): adapter_config.json (peft_type LORA, r, lora_alpha,
// target_modules, ...) and adapter_model.safetensors with PEFT's key names,
// "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight" [r, in] and "...lora_B.weight" [out, r].
// Core-internal (torch types).
#pragma once
#include "core/model/lora.h"

#include <ATen/Tensor.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace llms::io {

struct PeftAdapter {
    LoraConfig config;          // rank, alpha (use_rslora folded in: alpha·sqrt(r)), targets
    std::string base_model;     // base_model_name_or_path as written ("" when absent)
    // Per adapted module, by HF module path ("model.layers.0.self_attn.q_proj"): A [r, in], B [out, r], fp32 CPU.
    std::vector<std::pair<std::string, std::pair<at::Tensor, at::Tensor>>> modules;
};

// Writes out (a new folder, or one llm-surgery wrote with overwrite; never in or around source_dir) atomically
// (io::write_folder_atomic): adapter_config.json naming source_dir's folder as the base model, the adapters in
// fp32. llms::Error (nothing written) when out may not be written.
// extra_text_files: more files for the folder ({plain name, contents}), e.g. a surgery report.
void write_peft_folder(const std::filesystem::path& out, const std::filesystem::path& source_dir, const PeftAdapter& adapter,
                       bool overwrite, const std::vector<std::pair<std::string, std::string>>& extra_text_files = {});

// llms::Error naming the module unless every adapted module exists in a model of this config (its layer below
// num_hidden_layers) with A [r, in] and B [out, r] of that module's shape. (attach_lora_tensors checks the same
// on a loaded model; this needs the config alone.)
void check_adapter_fits(const LlamaConfig& config, const PeftAdapter& adapter);

// The adapters attached to a model (core/model/lora.h) as a PeftAdapter of detached CPU copies: it outlives a merge
// or detach of the live adapters. llms::Error when none is attached.
PeftAdapter peft_adapter_of(LlamaForCausalLM& m);

// Reads and checks a PEFT LoRA folder: adapter_config.json within size and depth limits, peft_type LORA, r and
// lora_alpha in range, target_modules a list of q/k/v/o/gate/up/down projections; features that change the
// arithmetic refused with their name (DoRA, fan_in_fan_out, rank/alpha patterns, modules_to_save, bias training,
// layers_to_transform); adapter_model.safetensors bounds-checked (adapter_model.bin refused: pickle), every key a
// lora_A / lora_B pair of a targeted module, every A [r, in] with r = the config's. The shapes against a model:
// attach_lora_tensors. llms::Error naming the file and the problem.
PeftAdapter read_peft_folder(const std::filesystem::path& dir);

}  // namespace llms::io
