#include "core/model/llama_config.h"

#include "core/common/error.h"

#include "core/io/json_input.h"
#include "core/io/read_file.h"

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

// eos_token_id: an integer, or a list of them (the first is the one generation stops at here).
int64_t get_eos(const json& j, const std::string& src) {
    auto it = j.find("eos_token_id");
    if (it == j.end() || !it->is_array()) return get_int(j, "eos_token_id", src, false, 2);
    if (it->empty()) return 2;
    for (const auto& v : *it)
        if (!v.is_number_integer()) throw Error(src + ": field \"eos_token_id\" must be an integer or a list of integers");
    return (*it)[0].get<int64_t>();
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
    if (arch.empty()) arch = mtype == "mistral" ? "MistralForCausalLM" : mtype == "llama" ? "LlamaForCausalLM" : "";
    if (arch != "LlamaForCausalLM" && arch != "MistralForCausalLM")
        throw Error(src + ": architecture \"" + (arch.empty() ? mtype : arch) +
                    "\" is not supported (supported: LlamaForCausalLM, MistralForCausalLM)");
    c.architecture = arch;
    c.model_type = mtype.empty() ? (arch == "MistralForCausalLM" ? "mistral" : "llama") : mtype;

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
    c.eos_token_id = get_eos(j, src);
    c.sliding_window = get_int(j, "sliding_window", src, false, 0);
    c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", src, false);
    c.torch_dtype = get_string(j, "torch_dtype", src, "float32");
    if (c.torch_dtype != "float32" && c.torch_dtype != "bfloat16" && c.torch_dtype != "float16")
        throw Error(src + ": torch_dtype \"" + c.torch_dtype + "\" is not supported (float32, bfloat16, float16)");
    if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null())
        throw Error(src + ": rope_scaling is not supported yet (remove it only if the model was trained without it)");
    if (const std::string act = get_string(j, "hidden_act", src, "silu"); act != "silu")
        throw Error(src + ": hidden_act " + io::json_preview(act) + " is not supported (silu)");
    if (get_bool(j, "attention_bias", src, false) || get_bool(j, "mlp_bias", src, false))
        throw Error(src + ": attention_bias / mlp_bias are not supported");

    for (auto [v, name] : {std::pair{c.hidden_size, "hidden_size"}, {c.intermediate_size, "intermediate_size"},
                           {c.num_hidden_layers, "num_hidden_layers"}, {c.num_attention_heads, "num_attention_heads"},
                           {c.num_key_value_heads, "num_key_value_heads"}, {c.vocab_size, "vocab_size"},
                           {c.max_position_embeddings, "max_position_embeddings"}})
        if (v <= 0) throw Error(src + ": field \"" + name + "\" must be positive");
    c.head_dim = get_int(j, "head_dim", src, false, c.hidden_size / c.num_attention_heads);
    if (c.head_dim <= 0 || c.head_dim % 2 != 0) throw Error(src + ": head_dim must be positive and even");
    if (!j.contains("head_dim") && c.hidden_size % c.num_attention_heads != 0)
        throw Error(src + ": hidden_size must be divisible by num_attention_heads");
    if (c.num_attention_heads % c.num_key_value_heads != 0)
        throw Error(src + ": num_attention_heads must be a multiple of num_key_value_heads");
    if (!(c.rms_norm_eps > 0) || !std::isfinite(c.rms_norm_eps)) throw Error(src + ": rms_norm_eps must be positive");
    if (!(c.rope_theta > 0) || !std::isfinite(c.rope_theta))
        throw Error(src + ": rope_theta must be a positive number (10000 or 500000 in real models)");
    for (auto [id, name] : {std::pair{c.bos_token_id, "bos_token_id"}, {c.eos_token_id, "eos_token_id"}})
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
    j["eos_token_id"] = eos_token_id;
    j["hidden_act"] = "silu";
    j["attention_bias"] = false;
    j["mlp_bias"] = false;
    j["torch_dtype"] = torch_dtype;
    if (sliding_window > 0) j["sliding_window"] = sliding_window;
    return j.dump(2) + "\n";
}

int64_t LlamaConfig::num_parameters() const {
    const int64_t C = hidden_size, HD = head_dim;
    const int64_t attn = C * num_attention_heads * HD * 2 + C * num_key_value_heads * HD * 2;
    const int64_t mlp = 3 * C * intermediate_size;
    const int64_t per_layer = attn + mlp + 2 * C;
    const int64_t emb = vocab_size * C;
    return emb + (tie_word_embeddings ? 0 : emb) + num_hidden_layers * per_layer + C;
}

}  // namespace llms
