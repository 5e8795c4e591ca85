// One way to parse JSON that may come from a stranger (config.json, safetensors headers and indexes, fact lines,
// projects): a NUL byte is refused (nlohmann would silently stop reading there), nesting deeper than
// kMaxJsonDepth is refused (printing or copying a deeper value recurses and could overflow the stack), and every
// nlohmann exception becomes an llms::Error naming the source. Linear in the input: nlohmann's callback parser
// (json::parse with a parser_callback_t) is not, as it scans the parent's members at every object's end, so a
// header of a million small objects took hours; this one drives the plain DOM builder through its SAX interface.
// Torch-free.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace llms::io {

inline constexpr int kMaxJsonDepth = 64;   // real files nest 3-6 levels

// Sees every object key as it is read, with its depth (1: a key of the top-level object), e.g. to find a key
// given twice (the DOM keeps only the last).
using JsonKeyObserver = std::function<void(int depth, const std::string& key)>;

// The parsed value. llms::Error: "<source>: not valid JSON (<reason>)" or "<source>: nested deeper than 64 levels".
nlohmann::json parse_json_input(std::string_view text, const std::string& source,
                                const JsonKeyObserver& on_key = nullptr);

// The same without a source: false with the reason ("syntax error while parsing value - invalid literal; last
// read: 'x'", "nested deeper than 64 levels", "a NUL byte at offset 3") in *reason; for readers that collect
// problems per line.
bool try_parse_json_input(std::string_view text, nlohmann::json* out, std::string* reason,
                          const JsonKeyObserver& on_key = nullptr);

// A value for a message: its type and at most 80 characters of it, never the whole (possibly huge) dump.
std::string json_preview(const nlohmann::json& value);

}  // namespace llms::io
