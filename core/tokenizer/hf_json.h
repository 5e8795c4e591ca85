// Reading the fields of a tokenizer.json component: each getter says which file, which component and which
// field is wrong, so a refused file tells the user exactly what was found.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace llms::hf {

using nlohmann::json;

// The component's "type" string. llms::Error when `spec` is not an object or has no string "type".
std::string component_type(const json& spec, const std::string& where);

// The member `key` of the object `spec`; llms::Error when it is missing.
const json& required(const json& spec, const char* key, const std::string& where);

// A boolean field: `fallback` when missing or null (an llms::Error when there is no fallback), an llms::Error
// when it is of another type.
bool bool_field(const json& spec, const char* key, const std::string& where, std::optional<bool> fallback = {});

// A string field, with the same rules.
std::string string_field(const json& spec, const char* key, const std::string& where,
                         std::optional<std::string> fallback = {});

// A non-negative integer field below 2^31.
int64_t count_field(const json& spec, const char* key, const std::string& where, std::optional<int64_t> fallback = {});

// The one-line refusal of a component this implementation does not have.
[[noreturn]] void refuse_component(const std::string& where, const std::string& kind, const std::string& type,
                                   const std::string& supported);

}  // namespace llms::hf
