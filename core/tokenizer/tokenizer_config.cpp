#include "core/tokenizer/tokenizer_config.h"

#include "core/common/error.h"
#include "core/io/json_input.h"
#include "core/io/read_file.h"

#include <system_error>

namespace llms::hf {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// "<s>", null, or transformers' serialized AddedToken {"content": "<s>", ...}.
NamedToken named_token(const json& cfg, const char* key, const std::string& source) {
    NamedToken t;
    const auto it = cfg.find(key);
    if (it == cfg.end()) return t;
    t.given = true;
    if (it->is_null()) return t;
    if (it->is_string()) t.content = it->get<std::string>();
    else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        t.content = (*it)["content"].get<std::string>();
    else
        throw Error(source + ": \"" + key + "\" should be a token text, null or {\"content\": ...}, found " +
                    io::json_preview(*it));
    return t;
}

std::optional<bool> optional_bool(const json& cfg, const char* key, const std::string& source) {
    const auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean())
        throw Error(source + ": \"" + key + "\" should be true or false, found " + io::json_preview(*it));
    return it->get<bool>();
}

std::vector<int32_t> token_ids(const json& cfg, const char* key, const std::string& source) {
    const auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null()) return {};
    const auto one = [&](const json& v) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
            throw Error(source + ": \"" + key + "\" should hold token ids, found " + io::json_preview(v));
        return static_cast<int32_t>(v.get<int64_t>());
    };
    std::vector<int32_t> ids;
    if (it->is_array())
        for (const json& v : *it) ids.push_back(one(v));
    else
        ids.push_back(one(*it));
    return ids;
}

// The parsed file, or null when it does not exist.
json read_optional(const fs::path& file, const char* what) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return json();
    json j = io::parse_json_input(io::read_regular_file(file, io::kMaxConfigBytes, what), file.string());
    if (!j.is_object()) throw Error(file.string() + ": expected a JSON object, found " + io::json_preview(j));
    return j;
}

}  // namespace

TokenizerConfig read_tokenizer_config(const fs::path& folder) {
    TokenizerConfig c;
    const fs::path tc = folder / "tokenizer_config.json";
    if (const json cfg = read_optional(tc, "tokenizer_config.json"); !cfg.is_null()) {
        const std::string source = tc.string();
        c.tokenizer_config_file = tc;
        c.bos = named_token(cfg, "bos_token", source);
        c.eos = named_token(cfg, "eos_token", source);
        c.pad = named_token(cfg, "pad_token", source);
        c.unk = named_token(cfg, "unk_token", source);
        c.add_bos_token = optional_bool(cfg, "add_bos_token", source);
        c.add_eos_token = optional_bool(cfg, "add_eos_token", source);
    }
    const fs::path gc = folder / "generation_config.json";
    if (const json cfg = read_optional(gc, "generation_config.json"); !cfg.is_null()) {
        const std::string source = gc.string();
        c.generation_config_file = gc;
        c.generation_eos = token_ids(cfg, "eos_token_id", source);
        if (const auto bos = token_ids(cfg, "bos_token_id", source); !bos.empty()) c.generation_bos = bos.front();
        if (const auto pad = token_ids(cfg, "pad_token_id", source); !pad.empty()) c.generation_pad = pad.front();
    }
    return c;
}

}  // namespace llms::hf
