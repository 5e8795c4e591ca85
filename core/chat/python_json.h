// Python's json.dumps on template values: the `tojson` filter as transformers defines it for chat templates
// (json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)), byte for byte: the same
// separators, indentation, string escapes and float spelling. Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_value.h"

#include <optional>
#include <string>

namespace llms::chat::jinja {

struct JsonDumpOptions {
    bool ensure_ascii = false;
    std::optional<std::string> indent;   // nullopt: one line; else the text of one indentation level
    std::optional<std::pair<std::string, std::string>> separators;   // (item, key); nullopt: Python's default
    bool sort_keys = false;
};

// The JSON text. A runtime failure (Python's TypeError) for a value JSON cannot hold: Undefined, a generator,
// a dict view, a range, a namespace, a function.
std::string json_dumps(const Value& x, const JsonDumpOptions& options);

}  // namespace llms::chat::jinja
