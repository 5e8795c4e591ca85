// A LoRA adapter as a GGUF file for llama.cpp (`llama-cli -m base.gguf --lora adapter.gguf`, Ollama's ADAPTER,
// LM Studio), written as llama.cpp's convert_lora_to_gguf.py writes it: general.type "adapter", adapter.type "lora",
// adapter.lora.alpha (f32: llama.cpp scales by alpha / r), the base model's architecture, and per adapted matrix
// "<gguf name>.lora_a" [r, in] and ".lora_b" [out, r] (on the llama architecture B's rows in llama.cpp's q/k order,
// like the weights of the base GGUF). Atomic (core/gguf/gguf_writer.h). Core-internal (torch types).
#pragma once
#include "core/gguf/gguf_format.h"
#include "core/io/peft_folder.h"
#include "core/model/llama_config.h"

#include <filesystem>
#include <functional>
#include <string>

namespace llms::gguf {

// type: F32, F16 or BF16 (adapters are small; llama.cpp multiplies them as they are). llms::Error (nothing written)
// for another type, an architecture llama.cpp has no GGUF for, or a file that may not be written (check_gguf_output).
void export_gguf_lora(const std::filesystem::path& out, const LlamaConfig& base, const std::string& base_name,
                      const io::PeftAdapter& adapter, TensorType type, const std::function<void(double)>& progress = {});

}  // namespace llms::gguf
