// Opening an HF model folder: config.json + safetensors (single or sharded) + tokenizer.json or tokenizer.model.
// Torch types: core-internal; the UI reaches models through the torch-free session facade.
#pragma once
#include "core/model/llama.h"
#include "core/tokenizer/tokenizer.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace llms {

namespace chat {
class ChatFormat;
}

struct LoadOptions {
    std::string device = "cpu";     // "cpu", "cuda", "cuda:1"
    std::string dtype = "auto";      // "auto" (fp32 on CPU, bf16 on CUDA), "float32", "bfloat16", "float16"
    bool tokenizer = true;           // load tokenizer.json (preferred) or tokenizer.model when present
    std::function<void(double fraction)> progress;   // 0..1 over tensor bytes copied
};

struct LoadedModel {
    std::filesystem::path dir;
    LlamaConfig config;
    LlamaForCausalLM net{nullptr};
    at::Device device{at::kCPU};
    at::ScalarType dtype = at::kFloat;
    std::shared_ptr<Tokenizer> tokenizer;   // null when absent or unloadable: see tokenizer_error
    std::string tokenizer_error;
    std::string tokenizer_note;             // which file was read when the folder has both kinds
    // The folder's chat template with the tokenizer's BOS / EOS texts (core/chat/chat_prompts.h); null when the
    // folder has none, no tokenizer, or one that cannot be used: see chat_error.
    std::shared_ptr<const chat::ChatFormat> chat;
    std::string chat_error;

    // Every id that ends a generation: config.json's eos_token_id (list) and the tokenizer's.
    std::vector<int64_t> stop_ids() const;

    // The tokenizer, or llms::Error saying why there is none (ids in, ids out still work).
    const Tokenizer& tok() const;
};

at::Device parse_device(const std::string& s);          // Error for bad names or missing CUDA
at::ScalarType parse_dtype(const std::string& s, const at::Device& d);   // "auto" resolved for d

namespace io {
class SafetensorsCheckpoint;
}

// The model's chat format for wrapping prompts, or llms::Error saying why there is none (what = "... has no chat
// template", or why it cannot be used).
const chat::ChatFormat& require_chat(const LoadedModel& m);

// The checkpoint's tensor headers against what config.json implies, from the headers alone (nothing allocated):
// every tensor present with its shape, no unexpected tensor (rotary_emb.inv_freq and a tied lm_head copy
// ignored), a layer count the checkpoint can hold, sizes without overflow. llms::Error naming the tensor.
// Returns the parameter count config.json implies.
int64_t check_checkpoint_layout(const std::filesystem::path& dir, const LlamaConfig& config,
                             const io::SafetensorsCheckpoint& ckpt);

// Loads and validates the folder: every expected tensor present with the config's shape, unexpected
// tensors refused (rotary_emb.inv_freq ignored), pickle checkpoints refused, all before anything is allocated;
// then the weights' memory in the load dtype is checked against the available RAM or GPU memory (llms::Error
// with both numbers). Never modifies the folder.
LoadedModel load_model(const std::filesystem::path& dir, const LoadOptions& opt = {});

// A fresh, randomly initialised model (pretraining, benchmarks).
LoadedModel make_model(const LlamaConfig& config, const LoadOptions& opt, uint64_t seed);

}  // namespace llms
