// The filters of `x | name(args)` with jinja2.filters' meaning (3.1), plus transformers' own `tojson`
// (json.dumps with ensure_ascii=False, indent, separators, sort_keys). The list is jinja_builtins'.
// Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_value.h"

#include <string>

namespace llms::chat::jinja {

// The filtered value. Unsupported for a name outside jinja_builtins' list (map("...") names one at run time).
Value apply_filter(const std::string& name, const Value& x, Args& args);

}  // namespace llms::chat::jinja
