// A model as one GGUF file for llama.cpp, Ollama and LM Studio, written the way llama.cpp's own converter
// (convert_hf_to_gguf.py) writes it: architecture llama (Llama, Mistral: q/k rows permuted to llama.cpp's rope
// layout), qwen2 or qwen3; the hyper-parameters; the tokenizer (core/gguf/gguf_vocab.h) and chat template; Llama 3's
// rope_freqs; the weights in F32, F16, BF16, Q8_0 or Q4_0 — norms, biases and other 1-D tensors always F32, a
// matrix whose rows are not whole 32-weight blocks F16, and in a Q4_0 file the output matrix (the tied embedding
// when there is none) Q8_0, where llama.cpp's own Q4_0 files keep it at 6 bits. Atomic (core/gguf/gguf_writer.h).
#pragma once
#include "core/gguf/gguf_format.h"
#include "core/model/llama_config.h"

#include <ATen/Tensor.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace llms {
class Tokenizer;
}

namespace llms::gguf {

inline constexpr const char* kExportedByKey = "llm_surgery.exported_by";   // marks the files we wrote

struct GgufExportOptions {
    TensorType type = TensorType::F16;
    std::string name;                 // general.name; default: the model folder's name
};

// The file may be written: a new .gguf in an existing, writable folder outside the input model; an existing one
// only with overwrite and only when llm-surgery wrote it (its kExportedByKey). llms::Error saying why not.
void check_gguf_output(const std::filesystem::path& out, const std::filesystem::path& model_dir, bool overwrite);

// The GGUF architecture of a config ("llama", "qwen2", "qwen3"); llms::Error for one llama.cpp would not load.
std::string gguf_architecture(const LlamaConfig& c);

// tensors: the model's weights under their HF names (hf_named_tensors order), any dtype and device.
// model_dir: where the tokenizer files and the chat template are read from. llms::Error naming what does not fit.
void export_gguf(const std::filesystem::path& out, const LlamaConfig& config, const std::filesystem::path& model_dir,
                 const Tokenizer& tok, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                 const GgufExportOptions& options, const std::function<void(double)>& progress = {});

}  // namespace llms::gguf
