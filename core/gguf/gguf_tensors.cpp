#include "core/gguf/gguf_tensors.h"

#include "core/gguf/ggml_quants.h"

#include <ATen/ATen.h>

#include <cstring>
#include <regex>

namespace llms::gguf {

int64_t head_dim_of(const LlamaConfig& c) { return c.head_dim > 0 ? c.head_dim : c.hidden_size / c.num_attention_heads; }

std::string gguf_name(const std::string& hf) {
    static const std::pair<const char*, const char*> layer_parts[] = {
        {"input_layernorm.weight", "attn_norm.weight"},     {"self_attn.q_proj.weight", "attn_q.weight"},
        {"self_attn.q_proj.bias", "attn_q.bias"},           {"self_attn.k_proj.weight", "attn_k.weight"},
        {"self_attn.k_proj.bias", "attn_k.bias"},           {"self_attn.v_proj.weight", "attn_v.weight"},
        {"self_attn.v_proj.bias", "attn_v.bias"},           {"self_attn.o_proj.weight", "attn_output.weight"},
        {"self_attn.o_proj.bias", "attn_output.bias"},      {"self_attn.q_norm.weight", "attn_q_norm.weight"},
        {"self_attn.k_norm.weight", "attn_k_norm.weight"},  {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"mlp.gate_proj.weight", "ffn_gate.weight"},        {"mlp.gate_proj.bias", "ffn_gate.bias"},
        {"mlp.up_proj.weight", "ffn_up.weight"},            {"mlp.up_proj.bias", "ffn_up.bias"},
        {"mlp.down_proj.weight", "ffn_down.weight"},        {"mlp.down_proj.bias", "ffn_down.bias"},
    };
    if (hf == "model.embed_tokens.weight") return "token_embd.weight";
    if (hf == "model.norm.weight") return "output_norm.weight";
    if (hf == "lm_head.weight") return "output.weight";
    static const std::regex layer(R"(model\.layers\.(\d+)\.(.+))");
    std::smatch m;
    if (std::regex_match(hf, m, layer))
        for (const auto& [from, to] : layer_parts)
            if (m[2] == from) return "blk." + m[1].str() + "." + to;
    return "";
}

at::Tensor in_gguf_row_order(const at::Tensor& t, const std::string& hf, const std::string& arch, const LlamaConfig& c) {
    const at::Tensor w = t.detach().to(at::kCPU, at::kFloat);
    const bool q = hf.find("self_attn.q_proj.") != std::string::npos, k = hf.find("self_attn.k_proj.") != std::string::npos;
    if (arch != "llama" || !(q || k)) return w;
    // Row h·HD + 2i + j <- row h·HD + j·HD/2 + i, per head.
    const int64_t heads = q ? c.num_attention_heads : c.num_key_value_heads, rows = w.size(0);
    if (w.dim() == 1) return w.reshape({heads, 2, rows / heads / 2}).transpose(1, 2).reshape({rows});
    return w.reshape({heads, 2, rows / heads / 2, w.size(1)}).transpose(1, 2).reshape(w.sizes());
}

std::string bytes_of(const at::Tensor& t, TensorType type) {
    const at::Tensor f = t.to(at::kCPU, at::kFloat).contiguous();
    const float* x = f.data_ptr<float>();
    const int64_t n = f.numel();
    std::string out((size_t)tensor_bytes(type, n), '\0');
    auto* o = reinterpret_cast<uint8_t*>(out.data());
    switch (type) {
        case TensorType::F32: std::memcpy(o, x, (size_t)n * 4); break;
        case TensorType::F16:
            for (int64_t i = 0; i < n; ++i) {
                const uint16_t h = fp32_to_fp16(x[i]);
                o[2 * i] = (uint8_t)h, o[2 * i + 1] = (uint8_t)(h >> 8);
            }
            break;
        case TensorType::BF16:
            for (int64_t i = 0; i < n; ++i) {
                const uint16_t h = fp32_to_bf16(x[i]);
                o[2 * i] = (uint8_t)h, o[2 * i + 1] = (uint8_t)(h >> 8);
            }
            break;
        case TensorType::Q8_0: quantize_q8_0(x, n, o); break;
        case TensorType::Q4_0: quantize_q4_0(x, n, o); break;
    }
    return out;
}

TensorType storage_type(const std::string& gguf, const at::Tensor& t, TensorType requested, bool tied_embeddings) {
    const bool matrix = t.dim() >= 2 && gguf.size() > 7 && gguf.compare(gguf.size() - 7, 7, ".weight") == 0 &&
                        gguf.find("_norm.") == std::string::npos;
    if (!matrix) return TensorType::F32;
    const bool blocks = requested == TensorType::Q8_0 || requested == TensorType::Q4_0;
    if (blocks && t.size(-1) % kQuantBlock != 0) return TensorType::F16;
    if (requested == TensorType::Q4_0 && (gguf == "output.weight" || (gguf == "token_embd.weight" && tied_embeddings)))
        return TensorType::Q8_0;
    return requested;
}

}  // namespace llms::gguf
