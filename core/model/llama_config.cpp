#include "core/model/llama_config.h"

#include "core/common/dtype.h"
#include "core/common/error.h"

#include "core/io/json_input.h"
#include "core/io/read_file.h"
#include "core/model/llama_layout.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace llms {

using nlohmann::json;

namespace {

int64_t get_int(const json& j, const char* key, const std::string& src, bool required, int64_t fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) throw Error(src + ": missing required field \"" + key + "\"");
        return fallback;
    }
    if (!it->is_number_integer()) throw Error(src + ": field \"" + key + "\" must be an integer");
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        throw Error(src + ": field \"" + key + "\" is too large");
    return it->get<int64_t>();
}

double get_double(const json& j, const char* key, const std::string& src, double fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_number()) throw Error(src + ": field \"" + key + "\" must be a number");
    return it->get<double>();
}

// A string field; absent or null gives the fallback.
std::string get_string(const json& j, const char* key, const std::string& src, const std::string& fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_string()) throw Error(src + ": field \"" + key + "\" must be a string, found " + io::json_preview(*it));
    return it->get<std::string>();
}

bool get_bool(const json& j, const char* key, const std::string& src, bool fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) throw Error(src + ": field \"" + key + "\" must be true or false");
    return it->get<bool>();
}

// eos_token_id: an integer, or a list of them (the first is eos_token_id; all end a generation).
std::vector<int64_t> get_eos(const json& j, const std::string& src) {
    auto it = j.find("eos_token_id");
    if (it == j.end() || !it->is_array()) return {get_int(j, "eos_token_id", src, false, 2)};
    if (it->empty()) return {2};
    std::vector<int64_t> ids;
    for (const auto& v : *it) {
        if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)))
            throw Error(src + ": field \"eos_token_id\" must be an integer or a list of integers");
        ids.push_back(v.get<int64_t>());
    }
    return ids;
}

}  // namespace

LlamaConfig LlamaConfig::from_json_text(const std::string& text, const std::string& src) {
    const json j = io::parse_json_input(text, src);
    if (!j.is_object()) throw Error(src + ": expected a JSON object");

    LlamaConfig c;
    c.source_json = text;
    std::string arch;
    if (auto it = j.find("architectures"); it != j.end() && it->is_array() && !it->empty() && (*it)[0].is_string())
        arch = (*it)[0].get<std::string>();
    std::string mtype = get_string(j, "model_type", src, "");
    static const std::vector<std::pair<std::string, std::string>> kFamilies = {
        {"LlamaForCausalLM", "llama"}, {"MistralForCausalLM", "mistral"}, {"Qwen2ForCausalLM", "qwen2"},
        {"Qwen3ForCausalLM", "qwen3"}};
    if (arch.empty())
        for (const auto& [a, t] : kFamilies)
            if (t == mtype) arch = a;
    std::string family;
    for (const auto& [a, t] : kFamilies)
        if (a == arch) family = t;
    if (family.empty())
        throw Error(src + ": architecture " + io::json_preview(arch.empty() ? mtype : arch) +
                    " is not supported (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
                    "Qwen3ForCausalLM)");
    c.architecture = arch;
    c.model_type = mtype.empty() ? family : mtype;

    c.hidden_size = get_int(j, "hidden_size", src, true, 0);
    c.intermediate_size = get_int(j, "intermediate_size", src, true, 0);
    c.num_hidden_layers = get_int(j, "num_hidden_layers", src, true, 0);
    c.num_attention_heads = get_int(j, "num_attention_heads", src, true, 0);
    c.num_key_value_heads = get_int(j, "num_key_value_heads", src, false, c.num_attention_heads);
    c.vocab_size = get_int(j, "vocab_size", src, true, 0);
    c.max_position_embeddings = get_int(j, "max_position_embeddings", src, false, 2048);
    c.rms_norm_eps = get_double(j, "rms_norm_eps", src, 1e-6);
    c.rope_theta = get_double(j, "rope_theta", src, 10000.0);
    c.bos_token_id = get_int(j, "bos_token_id", src, false, 1);
    c.eos_token_ids = get_eos(j, src);
    if (family == "mistral") {   // transformers' MistralConfig: 4096 when the key is absent, none when null
        c.sliding_window = j.contains("sliding_window") ? get_int(j, "sliding_window", src, false, 0) : 4096;
    } else if (family == "qwen2" || family == "qwen3") {
        // Qwen's window applies only with use_sliding_window, and then only from max_window_layers on: not
        // implemented, so refused rather than ignored (every released Qwen2.5 / Qwen3 config has it off).
        if (get_bool(j, "use_sliding_window", src, false))
            throw Error(src + ": use_sliding_window is not supported yet (Qwen's per-layer sliding window)");
    } else {
        c.sliding_window = get_int(j, "sliding_window", src, false, 0);
    }
    c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", src, false);
    c.torch_dtype = get_string(j, "torch_dtype", src, "float32");
    if (!dtype_by_torch_name(c.torch_dtype))
        throw Error(src + ": torch_dtype \"" + c.torch_dtype + "\" is not supported (" + kDtypeNames + ")");
    if (j.contains("rope_parameters"))
        throw Error(src + ": rope_parameters (the transformers 5 layout) is not supported yet; write rope_theta and "
                          "rope_scaling as transformers 4 does");
    if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
        if (!it->is_object()) throw Error(src + ": rope_scaling must be an object or null");
        const std::string type = get_string(*it, "rope_type", src, get_string(*it, "type", src, ""));
        c.rope_factor = get_double(*it, "factor", src, 1.0);
        if (type == "linear") {
            c.rope_type = "linear";
        } else if (type == "llama3") {
            c.rope_type = "llama3";
            c.rope_low_freq_factor = get_double(*it, "low_freq_factor", src, 1.0);
            c.rope_high_freq_factor = get_double(*it, "high_freq_factor", src, 4.0);
            c.rope_original_max_position = get_int(*it, "original_max_position_embeddings", src, true, 0);
            if (!(c.rope_high_freq_factor > c.rope_low_freq_factor) || !(c.rope_low_freq_factor > 0) ||
                c.rope_original_max_position <= 0)
                throw Error(src + ": rope_scaling llama3 needs 0 < low_freq_factor < high_freq_factor and a positive "
                                  "original_max_position_embeddings");
        } else {
            throw Error(src + ": rope_scaling type " + io::json_preview(type) +
                        " is not supported (supported: linear, llama3)");
        }
        if (!(c.rope_factor > 0) || !std::isfinite(c.rope_factor))
            throw Error(src + ": rope_scaling factor must be a positive number");
    }
    if (const std::string act = get_string(j, "hidden_act", src, "silu"); act != "silu")
        throw Error(src + ": hidden_act " + io::json_preview(act) + " is not supported (silu)");
    const bool attention_bias = get_bool(j, "attention_bias", src, false);
    c.qkv_bias = family == "qwen2" || attention_bias;
    c.o_bias = family != "qwen2" && attention_bias;
    c.mlp_bias = get_bool(j, "mlp_bias", src, false);
    if (c.mlp_bias && family != "llama") throw Error(src + ": mlp_bias is only defined for LlamaForCausalLM");
    c.qk_norm = family == "qwen3";

    for (auto [v, name] : {std::pair{c.hidden_size, "hidden_size"}, {c.intermediate_size, "intermediate_size"},
                           {c.num_hidden_layers, "num_hidden_layers"}, {c.num_attention_heads, "num_attention_heads"},
                           {c.num_key_value_heads, "num_key_value_heads"}, {c.vocab_size, "vocab_size"},
                           {c.max_position_embeddings, "max_position_embeddings"}})
        if (v <= 0) throw Error(src + ": field \"" + name + "\" must be positive");
    // Qwen3Config's head_dim defaults to 128, not hidden_size / heads.
    c.head_dim = get_int(j, "head_dim", src, false, family == "qwen3" ? 128 : c.hidden_size / c.num_attention_heads);
    if (c.head_dim <= 0 || c.head_dim % 2 != 0) throw Error(src + ": head_dim must be positive and even");
    if (!j.contains("head_dim") && family != "qwen3" && c.hidden_size % c.num_attention_heads != 0)
        throw Error(src + ": hidden_size must be divisible by num_attention_heads");
    if (c.num_attention_heads % c.num_key_value_heads != 0)
        throw Error(src + ": num_attention_heads must be a multiple of num_key_value_heads");
    if (!(c.rms_norm_eps > 0) || !std::isfinite(c.rms_norm_eps)) throw Error(src + ": rms_norm_eps must be positive");
    if (!(c.rope_theta > 0) || !std::isfinite(c.rope_theta))
        throw Error(src + ": rope_theta must be a positive number (10000 or 500000 in real models)");
    std::vector<std::pair<int64_t, const char*>> ids{{c.bos_token_id, "bos_token_id"}};
    for (const int64_t e : c.eos_token_ids) ids.emplace_back(e, "eos_token_id");
    for (auto [id, name] : ids)
        if (id < 0 || id >= c.vocab_size)
            throw Error(src + ": " + name + " " + std::to_string(id) + " is outside the vocabulary (vocab_size " +
                        std::to_string(c.vocab_size) + ")");
    return c;
}

LlamaConfig LlamaConfig::load(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw Error(path.string() + ": cannot open (a model folder needs config.json)");
    return from_json_text(io::read_regular_file(path, io::kMaxConfigBytes, "config.json"), path.string());
}

std::string LlamaConfig::to_json_text() const {
    if (!source_json.empty()) return source_json;
    json j;
    j["architectures"] = {architecture};
    j["model_type"] = model_type;
    j["hidden_size"] = hidden_size;
    j["intermediate_size"] = intermediate_size;
    j["num_hidden_layers"] = num_hidden_layers;
    j["num_attention_heads"] = num_attention_heads;
    j["num_key_value_heads"] = num_key_value_heads;
    j["head_dim"] = head_dim;
    j["vocab_size"] = vocab_size;
    j["max_position_embeddings"] = max_position_embeddings;
    j["rms_norm_eps"] = rms_norm_eps;
    j["rope_theta"] = rope_theta;
    j["rope_scaling"] = nullptr;
    j["tie_word_embeddings"] = tie_word_embeddings;
    j["bos_token_id"] = bos_token_id;
    if (eos_token_ids.size() == 1) j["eos_token_id"] = eos_token_ids.front();
    else j["eos_token_id"] = eos_token_ids;
    j["hidden_act"] = "silu";
    j["attention_bias"] = qkv_bias;
    j["mlp_bias"] = mlp_bias;
    j["torch_dtype"] = torch_dtype;
    if (sliding_window > 0) j["sliding_window"] = sliding_window;
    return j.dump(2) + "\n";
}

int64_t LlamaConfig::num_parameters() const { return checked_num_parameters(*this); }   // core/model/llama_layout.h

}  // namespace llms
