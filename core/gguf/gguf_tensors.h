// How a model's HF tensors become GGUF tensors, shared by the model export (gguf_export.h) and the LoRA adapter
// export (gguf_lora.h): llama.cpp's names, the llama architecture's q/k row order, and the bytes of a type.
// Core-internal (torch types).
#pragma once
#include "core/gguf/gguf_format.h"
#include "core/model/llama_config.h"

#include <ATen/Tensor.h>

#include <string>

namespace llms::gguf {

// HF name -> GGUF name ("model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight"; "" for a tensor
// llama.cpp does not take).
std::string gguf_name(const std::string& hf);

// The tensor (any dtype, device) as fp32 on the CPU in llama.cpp's row order: on the llama architecture, the rows of
// q_proj and k_proj (weight, bias, or a LoRA B [out, r]: its rows are the weight's) interleaved per head, because
// llama.cpp pairs rotary dimensions (i, i+1) where HF's rotate-half pairs (i, i + HD/2). hf: the weight's HF name.
at::Tensor in_gguf_row_order(const at::Tensor& t, const std::string& hf, const std::string& arch, const LlamaConfig& c);

// The tensor's bytes in `type` (exactly tensor_bytes(type, numel)): fp32 copied, f16 / bf16 rounded to nearest,
// Q8_0 / Q4_0 quantized as ggml does (core/gguf/ggml_quants.h).
std::string bytes_of(const at::Tensor& t, TensorType type);

int64_t head_dim_of(const LlamaConfig& c);

// The type a tensor is stored in when `requested` is asked for (gguf: its GGUF name): norms, biases and other 1-D
// tensors F32; a matrix whose rows are not whole 32-weight blocks F16 instead of Q8_0 / Q4_0; in a Q4_0 file the
// output matrix (the tied embedding when there is none) Q8_0. The export writes it; the audit's quantization attack
// (core/eval/audit.h) round-trips the same.
TensorType storage_type(const std::string& gguf, const at::Tensor& t, TensorType requested, bool tied_embeddings);

}  // namespace llms::gguf
