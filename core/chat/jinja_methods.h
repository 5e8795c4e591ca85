// The methods templates call on values, as Python's str, dict, list and tuple define them: content.strip(),
// content.split('</think>'), text.startswith(...), message.get('x'), d.items(), ... Each comes back as a bound
// callable. Torch-free and Qt-free.
#pragma once
#include "core/chat/jinja_value.h"

#include <optional>
#include <string>

namespace llms::chat::jinja {

// getattr(obj, name) for a str, dict or sequence: the bound method; nullopt when Python's type has no attribute
// of that name (Jinja then tries obj[name] / gives Undefined). A method Python has but this renderer does not
// implement (str.format, list.append, ...) is refused (TemplateFailure, Unsupported).
std::optional<Value> method_of(const Value& obj, const std::string& name);

}  // namespace llms::chat::jinja
