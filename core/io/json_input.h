// One way to parse JSON that may come from a stranger (config.json, safetensors headers and indexes, fact lines,
// projects): a NUL byte is refused (nlohmann would silently stop reading there), nesting deeper than
// kMaxJsonDepth is refused (printing or copying a deeper value recurses and could overflow the stack), and every
// nlohmann exception becomes an llms::Error naming the source. Torch-free.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace llms::io {

inline constexpr int kMaxJsonDepth = 64;   // real files nest 3-6 levels

// The parsed value. `callback`, when given, sees every parse event after the depth check (e.g. to detect
// repeated keys). llms::Error: "<source>: not valid JSON (<reason>)" or "<source>: nested deeper than 64 levels".
nlohmann::json parse_json_input(std::string_view text, const std::string& source,
                                const nlohmann::json::parser_callback_t& callback = nullptr);

// The same without a source: false with the reason ("syntax error while parsing value - invalid literal; last
// read: 'x'", "nested deeper than 64 levels", "a NUL byte at offset 3") in *reason; for readers that collect
// problems per line.
bool try_parse_json_input(std::string_view text, nlohmann::json* out, std::string* reason,
                          const nlohmann::json::parser_callback_t& callback = nullptr);

// A value for a message: its type and at most 80 characters of it, never the whole (possibly huge) dump.
std::string json_preview(const nlohmann::json& value);

}  // namespace llms::io
