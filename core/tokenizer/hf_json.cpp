#include "core/tokenizer/hf_json.h"

#include "core/common/error.h"
#include "core/io/json_input.h"

namespace llms::hf {

std::string component_type(const json& spec, const std::string& where) {
    if (!spec.is_object()) throw Error(where + ": expected an object, found " + io::json_preview(spec));
    const auto it = spec.find("type");
    if (it == spec.end() || !it->is_string())
        throw Error(where + ": the component has no \"type\" string (found " + io::json_preview(spec) +
                    "); the file is damaged or of an unknown version");
    return it->get<std::string>();
}

const json& required(const json& spec, const char* key, const std::string& where) {
    const auto it = spec.find(key);
    if (it == spec.end()) throw Error(where + ": the field \"" + key + "\" is missing; the file is damaged");
    return *it;
}

bool bool_field(const json& spec, const char* key, const std::string& where, std::optional<bool> fallback) {
    const auto it = spec.find(key);
    if (it == spec.end() || it->is_null()) {
        if (fallback) return *fallback;
        throw Error(where + ": the field \"" + key + "\" is missing; the file is damaged");
    }
    if (!it->is_boolean())
        throw Error(where + ": the field \"" + key + "\" should be true or false, found " + io::json_preview(*it));
    return it->get<bool>();
}

std::string string_field(const json& spec, const char* key, const std::string& where,
                         std::optional<std::string> fallback) {
    const auto it = spec.find(key);
    if (it == spec.end() || it->is_null()) {
        if (fallback) return *fallback;
        throw Error(where + ": the field \"" + key + "\" is missing; the file is damaged");
    }
    if (!it->is_string())
        throw Error(where + ": the field \"" + key + "\" should be a string, found " + io::json_preview(*it));
    return it->get<std::string>();
}

int64_t count_field(const json& spec, const char* key, const std::string& where, std::optional<int64_t> fallback) {
    const auto it = spec.find(key);
    if (it == spec.end() || it->is_null()) {
        if (fallback) return *fallback;
        throw Error(where + ": the field \"" + key + "\" is missing; the file is damaged");
    }
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > INT32_MAX)
        throw Error(where + ": the field \"" + key + "\" should be a count, found " + io::json_preview(*it));
    return it->get<int64_t>();
}

void refuse_component(const std::string& where, const std::string& kind, const std::string& type,
                      const std::string& supported) {
    throw Error(where + ": the " + kind + " \"" + type + "\" is not supported (supported: " + supported +
                "); this tokenizer cannot be used here yet");
}

}  // namespace llms::hf
