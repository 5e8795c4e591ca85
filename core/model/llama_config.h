// LlamaConfig: the hyper-parameters of a Llama-family model, read from an HF config.json: LlamaForCausalLM
// (rope_scaling llama3 / linear, attention_bias, mlp_bias), MistralForCausalLM (sliding window),
// Qwen2ForCausalLM (q/k/v biases), Qwen3ForCausalLM (q_norm / k_norm). Torch-free (the UI's model card shows it).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace llms {

struct LlamaConfig {
    std::string architecture = "LlamaForCausalLM";   // or Mistral-, Qwen2-, Qwen3ForCausalLM
    std::string model_type = "llama";
    int64_t hidden_size = 0;            // C
    int64_t intermediate_size = 0;      // MLP hidden width
    int64_t num_hidden_layers = 0;      // L
    int64_t num_attention_heads = 0;    // NH
    int64_t num_key_value_heads = 0;    // NKV (GQA when < NH)
    int64_t head_dim = 0;               // HD = C / NH unless given
    int64_t vocab_size = 0;             // V
    int64_t max_position_embeddings = 2048;
    double rms_norm_eps = 1e-6;
    double rope_theta = 10000.0;
    bool tie_word_embeddings = false;
    int64_t bos_token_id = 1;
    std::vector<int64_t> eos_token_ids{2};   // every id config.json lists (Llama 3 Instruct: <|end_of_text|>, <|eot_id|>)
    int64_t eos_token_id() const { return eos_token_ids.empty() ? -1 : eos_token_ids.front(); }   // the first
    std::string torch_dtype = "float32";   // as stored: "float32" | "bfloat16" | "float16"
    int64_t sliding_window = 0;            // Mistral; 0 = none
    bool qkv_bias = false;                 // q/k/v_proj.bias: attention_bias (Llama, Qwen3); always for Qwen2
    bool o_bias = false;                   // o_proj.bias: attention_bias (Llama, Qwen3); never for Qwen2
    bool mlp_bias = false;                 // gate/up/down_proj.bias (Llama's mlp_bias)
    bool qk_norm = false;                  // Qwen3: RMSNorm over head_dim of each q and k head, before RoPE
    // rope_scaling: "default" (none), "linear" (positions / factor) or "llama3" (Llama 3.1+ frequency bands).
    std::string rope_type = "default";
    double rope_factor = 1.0;
    double rope_low_freq_factor = 1.0, rope_high_freq_factor = 4.0;   // llama3
    int64_t rope_original_max_position = 0;                            // llama3: original_max_position_embeddings
    // config.json exactly as read (empty for a config built in code): an export writes it back with only
    // torch_dtype updated, so every key the model came with (eos lists, use_cache, transformers_version...) stays.
    std::string source_json;

    // Parses and validates config.json; unknown architectures, missing or inconsistent fields
    // throw llms::Error naming the file and the field.
    static LlamaConfig from_json_text(const std::string& text, const std::string& source = "config.json");
    static LlamaConfig load(const std::filesystem::path& config_json);
    // config.json for an export: source_json as it was (key order kept) when there is one, else generated
    // from the fields above.
    std::string to_json_text() const;

    int64_t num_parameters() const;        // all weights, counting a tied head once
};

}  // namespace llms
